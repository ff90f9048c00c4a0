# Install rules and the Debian package (included from the top CMakeLists.txt).
#
# `cmake --install build --prefix P` (P defaults to /usr/local) installs
#   P/bin/pdt, P/lib/pdt/pdt-backup, P/share/doc/pdt/README.md,
#   the units pdt.service, pdt-backup.service, pdt-backup.timer in
#   P/lib/systemd/system, and the env template P/etc/pdt/pdt.env (only when
#   none is there: an existing one holds secrets),
# with P's paths written into the units and the backup script. With P = /usr,
# as in the .deb, the system locations are used: /lib/systemd/system and
# /etc/pdt. The templates are filled in at install time (cmake/install_system.cmake),
# so one build tree serves both `cmake --install` and cpack.
#
# `make deb` (cpack -G DEB) builds pdt_<version>_<arch>.deb: the files above
# under /usr, the maintainer scripts of packaging/debian, /etc/pdt/pdt.env as a
# conffile; the runtime Depends are computed by dpkg-shlibdeps from the binary,
# plus what the maintainer scripts run (adduser, openssl).
include(GNUInstallDirs)

install(TARGETS pdt RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(CODE "set(PDT_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
set(PDT_GEN_DIR \"${CMAKE_BINARY_DIR}/packaging\")
include(\"${CMAKE_SOURCE_DIR}/cmake/install_system.cmake\")")

set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_PACKAGE_NAME pdt)
set(CPACK_PACKAGE_VENDOR pdt)
set(CPACK_PACKAGE_CONTACT "pdt maintainers <pdt@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "tracker of a developer's commits (GitHub, GitLab) and Jira work: HTTP API and sync worker")
set(CPACK_PACKAGE_DESCRIPTION
  "pdt pulls commits from GitHub and GitLab and sprints and cards from Jira, links each commit to the Jira issue named in its message and serves it all over an HTTP API compatible with the PDT backend. Runs as the pdt.service systemd unit; settings in /etc/pdt/pdt.env.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, openssl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles
  ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
  ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

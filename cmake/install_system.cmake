# Runs at install time (cmake --install, or cpack staging the .deb):
# CMAKE_INSTALL_PREFIX is the final prefix; file(INSTALL) adds DESTDIR itself.
# Fills in the unit and script templates with that prefix's paths and installs
# them (see cmake/packaging.cmake). Inputs: PDT_SOURCE_DIR, PDT_GEN_DIR.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(PDT_SYSCONFDIR /etc)
  set(pdt_unitdir /lib/systemd/system)
else()
  set(PDT_SYSCONFDIR ${CMAKE_INSTALL_PREFIX}/etc)
  set(pdt_unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(PDT_BINDIR ${CMAKE_INSTALL_PREFIX}/bin)
set(PDT_LIBEXECDIR ${CMAKE_INSTALL_PREFIX}/lib/pdt)
set(PDT_DOCDIR ${CMAKE_INSTALL_PREFIX}/share/doc/pdt)

set(pdt_pkg ${PDT_SOURCE_DIR}/packaging)
configure_file(${pdt_pkg}/systemd/pdt.service.in ${PDT_GEN_DIR}/pdt.service @ONLY)
configure_file(${pdt_pkg}/systemd/pdt-backup.service.in ${PDT_GEN_DIR}/pdt-backup.service @ONLY)
configure_file(${pdt_pkg}/pdt-backup ${PDT_GEN_DIR}/pdt-backup @ONLY)

file(INSTALL DESTINATION ${pdt_unitdir} TYPE FILE
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  FILES ${PDT_GEN_DIR}/pdt.service ${PDT_GEN_DIR}/pdt-backup.service
        ${pdt_pkg}/systemd/pdt-backup.timer)
file(INSTALL DESTINATION ${PDT_LIBEXECDIR} TYPE PROGRAM FILES ${PDT_GEN_DIR}/pdt-backup)
# Never over an existing env file: it holds the install's secrets.
if(NOT EXISTS "$ENV{DESTDIR}${PDT_SYSCONFDIR}/pdt/pdt.env")
  file(INSTALL DESTINATION ${PDT_SYSCONFDIR}/pdt TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
    FILES ${pdt_pkg}/pdt.env)
endif()

"""Fakes of the upstream REST APIs pdt talks to (Python 3 standard library only).

    from fakes import FakeGitHub, FakeGitLab, FakeJira
    gh = FakeGitHub(); url = gh.start()      # http://127.0.0.1:<port>
    gh.add_token("t0k", "alice")
    gh.add_repo("octo", "hello")
    gh.add_commits("octo", "hello", "main", 250)
    ...
    gh.stop()

See README.md for the Python API, the /_admin/ JSON format and run_fake.py.
"""

from .base import FakeServer, Response, json_response, parse_time, format_offset, format_utc
from .model import Commit, Repo, VcsFake
from .github import FakeGitHub
from .gitlab import FakeGitLab
from .jira import FakeJira

__all__ = ["FakeServer", "VcsFake", "FakeGitHub", "FakeGitLab", "FakeJira", "Commit", "Repo",
           "Response", "json_response", "parse_time", "format_offset", "format_utc", "make_fake"]


def make_fake(kind, **kw):
    """make_fake("github"|"gitlab"|"jira", **constructor kwargs)."""
    kinds = {"github": FakeGitHub, "gitlab": FakeGitLab, "jira": FakeJira}
    if kind not in kinds:
        raise ValueError("kind must be github, gitlab or jira, got %r" % (kind,))
    return kinds[kind](**kw)

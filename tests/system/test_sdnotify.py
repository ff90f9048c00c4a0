"""systemd readiness (issue 13): under Type=notify, `pdt serve` sends READY=1 to
$NOTIFY_SOCKET once it answers HTTP, and STOPPING=1 when SIGTERM arrives."""

import os
import shutil
import signal
import socket
import subprocess
import unittest

from harness import (PDT_BIN, PdtTestCase, free_port, http_request, make_scratch,
                     random_key_hex, server_env)

WAIT_S = 15.0


class SdNotifyTest(PdtTestCase):
    def setUp(self):
        self.dir = make_scratch()
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.sock_path = os.path.join(self.dir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(self.sock.close)
        self.sock.bind(self.sock_path)
        self.sock.settimeout(WAIT_S)

    def start(self, env):
        log = open(os.path.join(self.dir, "server.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([PDT_BIN, "serve"], cwd=self.dir, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

        def reap():
            if proc.poll() is None:
                proc.kill()
            proc.wait(WAIT_S)
        self.addCleanup(reap)
        return proc

    def test_ready_once_listening_then_stopping_on_sigterm(self):
        port = free_port()
        env = server_env(self.dir, port, "notify-secret", random_key_hex(),
                         {"NOTIFY_SOCKET": self.sock_path})
        proc = self.start(env)
        # No polling of /healthz first: READY=1 alone must mean "answers now".
        self.assertEqual(self.sock.recv(4096), b"READY=1")
        r = http_request(port, "GET", "/healthz")
        self.assertEqual(r.status, 200)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.sock.recv(4096), b"STOPPING=1")
        self.assertEqual(proc.wait(WAIT_S), 0)

    def test_a_failed_start_never_says_ready(self):
        env = server_env(self.dir, free_port(), "notify-secret", random_key_hex(),
                         {"NOTIFY_SOCKET": self.sock_path, "ENCRYPTION_KEY": "short"})
        proc = self.start(env)
        self.assertEqual(proc.wait(WAIT_S), 2)
        self.sock.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            self.sock.recv(4096)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A traffic agent for the monitor tests, run inside a network namespace.

Reads one command per line on stdin and answers one line on stdout, so the
test drives real connections step by step and knows when each step is done
(no sleeps):

  listen PORT              -> "listening PORT"   (accepts, echoes, closes on EOF)
  connect ID HOST PORT     -> "connected ID T0 LPORT"  (T0: time just before connect)
  close ID                 -> "closed ID"        (after the peer's FIN too)
  quit                     -> exits

Any failure answers "error ..." and the test fails on it.
"""
import socket
import sys
import threading
import time

conns = {}
listeners = []


def serve(conn):
    with conn:
        conn.settimeout(60)
        try:
            while True:
                d = conn.recv(4096)
                if not d:
                    break
                conn.sendall(d)
        except OSError:
            pass


def accept_loop(srv):
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def answer(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


for raw in sys.stdin:
    words = raw.split()
    if not words:
        continue
    try:
        if words[0] == "listen":
            srv = socket.socket()
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(("0.0.0.0", int(words[1])))
            srv.listen(16)
            listeners.append(srv)
            threading.Thread(target=accept_loop, args=(srv,), daemon=True).start()
            answer("listening " + words[1])
        elif words[0] == "connect":
            t0 = time.time()
            c = socket.create_connection((words[2], int(words[3])), timeout=10)
            c.sendall(b"hello")
            if c.recv(16) != b"hello":
                raise OSError("no echo")
            conns[words[1]] = c
            answer("connected %s %.6f %d" % (words[1], t0, c.getsockname()[1]))
        elif words[0] == "close":
            c = conns.pop(words[1])
            c.shutdown(socket.SHUT_WR)
            while c.recv(4096):
                pass
            c.close()
            answer("closed " + words[1])
        elif words[0] == "quit":
            break
        else:
            answer("error unknown command " + words[0])
    except (OSError, KeyError, IndexError, ValueError) as e:
        answer("error %s: %s" % (words[0], e))

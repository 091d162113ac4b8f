# Runs a command on a pseudo-terminal (stdin, stdout and stderr are the terminal, 120x40), lets
# it draw for SECONDS, then sends SIGNAL (e.g. SIGINT, as Ctrl-C does) and copies everything it
# wrote, escape sequences included, to stdout; exits with the command's exit code. A SECONDS of 0
# sends no signal and waits for the command to end.
# Usage: python3 pty-screen.py SECONDS SIGNAL command [args...]
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

seconds = float(sys.argv[1])
sig = sys.argv[2]
command = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))

out = b''
start = time.time()
sent = False
while True:
    if seconds > 0 and not sent and time.time() - start >= seconds:
        os.kill(pid, getattr(signal, sig))
        sent = True
    try:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            if time.time() - start > seconds + 60:
                break
            continue
        data = os.read(fd, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not data:
        break
    out += data

_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.stdout.flush()
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))

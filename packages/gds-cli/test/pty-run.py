# Runs a command on a pseudo-terminal (so that stdin and stderr are terminals, as for a person at
# a shell), types ANSWER and Enter at the first prompt that ends in "to go on: ", copies
# everything the command wrote to stdout, and exits with the command's exit code. An ANSWER of
# the form signal:SIGTERM sends that signal to the command at the prompt instead of answering.
# Usage: python3 pty-run.py ANSWER command [args...]
import os
import pty
import select
import signal
import sys

answer = sys.argv[1]
command = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

out = b''
answered = False
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        data = os.read(fd, 4096)
    except OSError:  # EIO: the child closed the terminal
        break
    if not data:
        break
    out += data
    if not answered and b'to go on: ' in out:
        if answer.startswith('signal:'):
            os.kill(pid, getattr(signal, answer[len('signal:'):]))
        else:
            os.write(fd, answer.encode('utf-8') + b'\r')
        answered = True

_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.stdout.flush()
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))

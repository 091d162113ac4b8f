# Runs gds on a pseudo-terminal, answers its password prompt(s), prints what the terminal showed.
# usage: python3 password-prompt.py <answer> <node> <gds bin.js> <args...>
import os, pty, select, sys, time

answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
screen, answered, deadline = b'', False, time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
        if not answered and b'Password for' in screen:
            # at once: gds turns echo off before it shows the prompt
            os.write(fd, answer.encode() + b'\r')
            answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(screen.decode('utf8', 'replace'))
sys.stdout.write('\n[exit %d]\n' % (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)))

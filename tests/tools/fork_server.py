"""A pristine process that forks a fresh child for each command line it is sent (tests/test_hostile.py).

Each hostile case must run the command line in a process of its own (limits, an audit hook, a clean set of
process globals), but a new interpreter spends a second of CPU importing WeasyPrint and guidebook before it
reaches the case. This process imports them once, runs nothing else, and forks: each child starts from that
state, as a new interpreter would after its imports.

Protocol, one JSON line each way: {"argv", "env", "cwd", "stdout", "stderr", "timeout", "code"} in, where
`code` is the Python the child runs with `argv` as sys.argv; {"returncode", "timed_out"} out. The child's
output goes to the two files named.
"""
import json
import os
import select
import signal
import sys
import tempfile
import traceback

# What each case would import first (the environment they are imported in, GUIDEBOOK_WORKERS included, is the
# cases' own). Nothing is run: fontconfig, the caches and the temporary folder are set up by each child.
import book.cli  # noqa: F401
import book.commands.build  # noqa: F401
import book.commands.check  # noqa: F401
import weasyprint  # noqa: F401


def child(request: dict) -> int:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # TMPDIR is the case's
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.argv = ["-c", *request["argv"]]
    try:
        exec(compile(request["code"], "<case>", "exec"), {"__name__": "__main__"})
        return 0
    except SystemExit as done:
        code = done.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except BaseException:  # as the interpreter would report it
        traceback.print_exc()
        return 1


def wait(pid: int, timeout: float) -> tuple[int, bool]:
    """(exit status as subprocess reports it, whether the time limit killed it)."""
    handle = os.pidfd_open(pid)
    timed_out = not select.select([handle], [], [], timeout)[0]
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    os.close(handle)
    _, status = os.waitpid(pid, 0)
    return (-os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)), timed_out


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = child(request)
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except Exception:
                        pass
                os._exit(code)
        returncode, timed_out = wait(pid, request["timeout"])
        sys.stdout.write(json.dumps({"returncode": returncode, "timed_out": timed_out}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

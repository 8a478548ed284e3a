"""Runs scripts as ``python script.py args`` in the script's folder would, importing torch once.

Reads ``[{"path", "args"}, …]`` as JSON on stdin, imports torch, then forks a fresh child per
script (``cpu_count`` at a time) that runs it as ``__main__``; prints ``[{"returncode", "stdout",
"stderr"}, …]`` as JSON. Each child starts where a new interpreter would be after ``import torch``,
so a script pays nothing for the import it shares with the others.
"""

import json
import os
import runpy
import sys
import tempfile
import traceback
from pathlib import Path

import torch  # noqa: F401  # imported here, before any fork: what the children share


def run_child(path: Path, args: list[str], out: Path, err: Path) -> None:
    """In the forked child: never returns."""
    code = 1
    try:
        for fd, file in ((1, out), (2, err)):
            os.dup2(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        os.chdir(path.parent)
        sys.argv = [str(path), *args]
        sys.path[0] = str(path.parent)
        runpy.run_path(str(path), run_name="__main__")
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    plan = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as folder:
        outputs = [(Path(folder) / f"{i}.out", Path(folder) / f"{i}.err") for i in range(len(plan))]
        codes: dict[int, int] = {}
        running: dict[int, int] = {}  # pid -> index

        def reap() -> None:
            pid, status = os.wait()
            codes[running.pop(pid)] = os.waitstatus_to_exitcode(status)

        for i, item in enumerate(plan):
            while len(running) >= (os.cpu_count() or 1):
                reap()
            pid = os.fork()
            if pid == 0:
                run_child(Path(item["path"]), item["args"], *outputs[i])
            running[pid] = i
        while running:
            reap()
        results = [
            {"returncode": codes[i], "stdout": out.read_text(), "stderr": err.read_text()}
            for i, (out, err) in enumerate(outputs)
        ]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

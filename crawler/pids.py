"""Whether a process id is alive: what tells a dead run's leftovers (a JOBDIR mark, a partial
file, a Redis run record) from those of a run still going."""
import os


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True

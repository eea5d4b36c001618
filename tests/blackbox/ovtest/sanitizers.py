"""Sanitizer reports in the processes' logs fail the test that produced them.

Against the ASan + UBSan build (OV_BINARY=build-debug/objectvision, scripts/test.sh sets the
options that make every report fatal) a report usually kills the process, which already fails
its test; a leak report comes only at exit, and a report in a process the test expected to die
could pass unseen. So after each test the suite reads what the servers and workers of the run
wrote to stderr since the last look (every *.err under pytest's base temp directory), and a CLI
run's stderr is read when it ends; any report fails the test with the report itself.
"""
import re
from pathlib import Path

REPORT = re.compile(
    r"ERROR: (?:Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer"
    r"|WARNING: ThreadSanitizer"
    r"|^\S+:\d+:\d+: runtime error: "
    r"|SUMMARY: \w+Sanitizer", re.M)
EXCERPT_LINES = 80


def find_report(text: str) -> str | None:
    """The first sanitizer report in `text` (up to EXCERPT_LINES lines), or None."""
    match = REPORT.search(text)
    if match is None:
        return None
    start = text.rfind("\n", 0, match.start()) + 1
    return "\n".join(text[start:].splitlines()[:EXCERPT_LINES])


def check_output(what: str, text: str) -> None:
    report = find_report(text or "")
    if report is not None:
        raise AssertionError(f"a sanitizer report in {what}:\n{report}")


class LogWatcher:
    """Reads the *.err logs under `root` from where it stopped last time."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.seen: dict[Path, int] = {}

    def new_reports(self) -> list[str]:
        reports = []
        for path in sorted(self.root.rglob("*.err")):
            start = self.seen.get(path, 0)
            try:
                with open(path, "rb") as f:
                    f.seek(start)
                    data = f.read()
            except OSError:
                continue
            if not data:
                continue
            # Keep an unfinished last line for the next look (a process may be writing it).
            end = data.rfind(b"\n") + 1
            self.seen[path] = start + end
            report = find_report(data[:end].decode(errors="replace"))
            if report is not None:
                reports.append(f"--- {path} ---\n{report}")
        return reports

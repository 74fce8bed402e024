"""Print one of the README's two commands (1: set up and run the main job; 2: run the tests).

CI runs what this prints, so CI runs exactly what a newcomer copies from the README, in the
README's order: the two fenced ``bash`` blocks of the section ``## Two commands``. Anything else
there (a third block, a missing one, a block of several lines) is an error, because the README
promises two one-line commands.
"""

import re
import sys
from pathlib import Path

SECTION = "## Two commands"


def commands(readme: str) -> list[str]:
    start = readme.find(SECTION)
    if start < 0:
        raise SystemExit(f"README.md has no section {SECTION!r}")
    end = readme.find("\n## ", start + len(SECTION))
    body = readme[start: end if end >= 0 else len(readme)]
    blocks = [b.strip() for b in re.findall(r"```bash\n(.*?)```", body, flags=re.S)]
    if len(blocks) != 2 or any("\n" in b or not b for b in blocks):
        raise SystemExit(f"README.md's {SECTION!r} must hold exactly two one-line bash blocks, found {blocks!r}")
    return blocks


if __name__ == "__main__":
    which = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if which not in (1, 2):
        raise SystemExit("usage: readme_commands.py 1|2")
    print(commands((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8"))[which - 1])

"""Where the time of (a) goes: py-spy samples of fresh Yuelu years, top functions.

Usage::

    .venv/bin/python benchmarks/profile_year.py [--years 7] [--rate 250]
        [--out benchmarks/profile-yuelu.txt] [--json FILE]

Runs ``bench_year.py --profile-years N`` (one untimed warm-up year, then N
fresh ``GridModel(scenario, replication=r).run()``) under
``py-spy record --format raw`` and keeps only the samples inside
``profile_target()``, so imports and the warm-up are left out. Reports self
time (the function on top of the stack), total time (the function anywhere on
the stack), self time per file, the hottest lines, and the hottest gridsim
lines counting the library calls made from them. The text file holds
those tables and the collapsed stacks (frames above ``profile_target`` and line
numbers dropped, so it stays small; feed the stack lines to flamegraph.pl or
speedscope to draw them).

Without py-spy (``.venv/bin/pip install py-spy``) it falls back to cProfile,
which is deterministic and adds overhead to every call, and says so.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import BENCH, PYTHON, ROOT, YUELU, write_json

TARGET = "profile_target (bench_year.py"
LINE = re.compile(r":\d+\)$")


def _func(frame: str) -> str:
    return LINE.sub(")", frame)


def run_pyspy(pyspy: str, years: int, rate: int, raw: Path, scenario: str) -> None:
    cmd = [
        pyspy,
        "record",
        "--format",
        "raw",
        "--rate",
        str(rate),
        "--output",
        str(raw),
        "--",
        PYTHON,
        str(BENCH / "bench_year.py"),
        "--scenario",
        scenario,
        "--profile-years",
        str(years),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)


def parse(raw_text: str) -> tuple[list[tuple[list[str], int]], int]:
    """Stacks (root first) below ``profile_target`` with their counts, and all samples."""
    stacks: list[tuple[list[str], int]] = []
    total = 0
    for line in raw_text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for i, f in enumerate(frames):
            if f.startswith(TARGET):
                stacks.append((frames[i + 1 :] or ["profile_target (self)"], n))
                break
    return stacks, total


def summarize(stacks: list[tuple[list[str], int]], top: int) -> dict:
    n = sum(c for _, c in stacks)
    self_f: Counter[str] = Counter()
    total_f: Counter[str] = Counter()
    files: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, c in stacks:
        leaf = frames[-1]
        lines[leaf] += c
        own[next((f for f in reversed(frames) if "(gridsim/" in f), "(outside gridsim)")] += c
        self_f[_func(leaf)] += c
        m = re.search(r"\(([^():]+)", leaf)
        files[m.group(1) if m else "?"] += c
        for f in {_func(f) for f in frames}:
            total_f[f] += c

    def pct(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(k, 100 * v / n) for k, v in counter.most_common(top)]

    return {
        "samples": n,
        "self": pct(self_f),
        "total": pct(total_f),
        "files": pct(files),
        "lines": pct(lines),
        "gridsim_lines": pct(own),
    }


def collapsed(stacks: list[tuple[list[str], int]], keep: float = 0.9) -> list[str]:
    """The most frequent stacks (line numbers dropped) covering ``keep`` of the samples."""
    agg: Counter[str] = Counter()
    for frames, c in stacks:
        agg[";".join(_func(f) for f in frames)] += c
    n = sum(agg.values())
    out: list[str] = []
    seen = 0
    for k, v in agg.most_common():
        if seen >= keep * n:
            break
        out.append(f"{k} {v}")
        seen += v
    rest = len(agg) - len(out)
    if rest:
        out.append(f"# ... {rest} rarer stacks with {n - seen} samples left out")
    return out


def tables(s: dict, top: int = 15) -> list[str]:
    out = []
    for key, title in (
        ("self", "self time (function on top of the stack)"),
        ("total", "total time (function anywhere on the stack)"),
        ("files", "self time by file"),
        ("lines", "hottest lines (self time)"),
        ("gridsim_lines", "hottest gridsim lines (with the numpy/mesa calls made there)"),
    ):
        out += [f"{title}:", *(f"  {p:5.1f}%  {name}" for name, p in s[key][:top]), ""]
    return out


def cprofile_fallback(years: int, scenario: str, out: Path) -> dict:
    code = (
        "import cProfile, pstats, io, sys\n"
        f"sys.path.insert(0, {str(BENCH)!r})\n"
        "import bench_year, gridsim\n"
        f"s = gridsim.load_scenario({scenario!r})\n"
        "bench_year.year_seconds(s, 0)\n"
        "p = cProfile.Profile()\n"
        f"p.runcall(bench_year.profile_target, s, {years})\n"
        "buf = io.StringIO()\n"
        "st = pstats.Stats(p, stream=buf).strip_dirs()\n"
        "st.sort_stats('tottime').print_stats(25)\n"
        "st.sort_stats('cumulative').print_stats(25)\n"
        "print(buf.getvalue())\n"
    )
    text = subprocess.run(
        [PYTHON, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    out.write_text(
        f"# cProfile (py-spy not available) of {years} fresh Yuelu years; "
        "deterministic profiling inflates small, frequent calls.\n\n" + text
    )
    return {"profiler": "cProfile", "years": years, "text": text[:6000]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=7, help="profiled fresh years (7)")
    parser.add_argument("--rate", type=int, default=250, help="samples per second (250)")
    parser.add_argument("--scenario", default=str(YUELU))
    parser.add_argument("--out", default=str(BENCH / "profile-yuelu.txt"))
    parser.add_argument("--json", default=None, help="write the summary as JSON here")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    out = Path(args.out)
    pyspy = shutil.which("py-spy", path=str(Path(PYTHON).parent)) or shutil.which("py-spy")
    if pyspy is None:
        result = cprofile_fallback(args.years, args.scenario, out)
        print(result["text"])
        write_json(args.json, result)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.txt"
        try:
            run_pyspy(pyspy, args.years, args.rate, raw, args.scenario)
        except subprocess.CalledProcessError as exc:
            print(f"py-spy failed ({exc.stderr.strip()[-300:]}); falling back to cProfile")
            result = cprofile_fallback(args.years, args.scenario, out)
            write_json(args.json, result)
            return 0
        stacks, all_samples = parse(raw.read_text())
    s = summarize(stacks, args.top)
    version = subprocess.run([pyspy, "--version"], capture_output=True, text=True).stdout.strip()
    head = [
        f"# {version} record --format raw --rate {args.rate} -- "
        f"bench_year.py --profile-years {args.years}",
        f"# {s['samples']} samples inside profile_target() ({args.years} fresh Yuelu years) "
        f"of {all_samples} in the process; percentages are of the former.",
        "",
    ]
    stack_lines = collapsed(stacks)
    out.write_text(
        "\n".join(
            [
                *head,
                *tables(s, args.top),
                "# collapsed stacks below profile_target (no line numbers), count last,"
                " the most frequent covering 90% of the samples:",
                *stack_lines,
            ]
        )
        + "\n"
    )
    print("\n".join(head + tables(s, args.top)))
    print(f"wrote {out} ({out.stat().st_size / 1000:.0f} kB)")
    s.update({"profiler": version, "years": args.years, "rate": args.rate, "file": str(out)})
    write_json(args.json, s)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Builds the DocC site of every library module, with no warnings and every public symbol
documented (`make docs`).

1. `swift package dump-symbol-graph` writes each module's public symbols;
2. each module's catalogue (Sources/<Module>/<Module>.docc) is converted with `docc convert
   --warnings-as-errors` into a static site under .build/docs/<Module>;
3. every public symbol must carry a doc comment (its own, or the one it inherits from the
   protocol requirement it implements): the missing ones are listed and the build fails.
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODULES = ["Tapestry", "TapestryIO", "TapestryData", "TapestryNN", "TapestryViz", "TapestryDistributed"]
OUTPUT = ROOT / ".build" / "docs"


def run(arguments):
    result = subprocess.run(arguments, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return result.returncode, result.stdout


def undocumented(symbol_files):
    """The public symbols of the given symbol-graph files without any doc comment."""
    missing = []
    for path in symbol_files:
        graph = json.loads(path.read_text())
        for symbol in graph.get("symbols", []):
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            if symbol.get("docComment") or symbol.get("sourceOrigin"):
                continue
            if "location" not in symbol:
                continue            # synthesized by the compiler (hash(into:), $wrapper, …)
            name = ".".join(symbol.get("pathComponents", [])) or symbol["identifier"]["precise"]
            location = symbol.get("location", {})
            where = location.get("uri", "").replace("file://" + str(ROOT) + "/", "")
            line = location.get("position", {}).get("line", -1) + 1
            missing.append(f"{where}:{line}: {name}")
    return missing


def main():
    code, log = run(["swift", "package", "dump-symbol-graph", "--minimum-access-level", "public"])
    if code != 0:
        print(log[-4000:])
        sys.exit("docs: dump-symbol-graph failed")
    graphs = next(pathlib.Path(line.split("Files written to ", 1)[1].strip())
                  for line in log.splitlines() if "Files written to " in line)
    failures = []
    for module in MODULES:
        files = [p for p in graphs.glob(f"{module}*.symbols.json")
                 if p.name.split(".")[0].split("@")[0] == module]
        missing = undocumented(files)
        failures += [f"undocumented public symbol: {m}" for m in missing]
        with tempfile.TemporaryDirectory() as scratch:
            for path in files:
                shutil.copy(path, scratch)
            target = OUTPUT / module
            shutil.rmtree(target, ignore_errors=True)
            OUTPUT.mkdir(parents=True, exist_ok=True)
            code, log = run([
                "docc", "convert", str(ROOT / "Sources" / module / f"{module}.docc"),
                "--additional-symbol-graph-dir", scratch, "--output-path", str(target),
                "--fallback-display-name", module, "--fallback-bundle-identifier", f"tapestry.{module}",
                "--transform-for-static-hosting", "--hosting-base-path", module, "--warnings-as-errors",
            ])
            warnings = [l for l in log.splitlines() if l.startswith(("warning:", "error:"))]
            if code != 0 or warnings:
                failures.append(f"{module}: docc convert failed\n" + log[-6000:])
        print(f"docs: {module}: {len(files)} symbol graphs, {len(missing)} undocumented, site in {target.relative_to(ROOT)}")
    if failures:
        print("\n".join(failures))
        sys.exit(f"docs: {len(failures)} problems")
    print("docs: every module's site built with no warnings; every public symbol documented")


if __name__ == "__main__":
    main()

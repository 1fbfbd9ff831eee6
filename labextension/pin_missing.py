"""Run `jlpm install`; when the registry lacks a version ("No candidates found"), pin the newest
existing one of the same major in package.json `resolutions` and retry. Used once to make
yarn.lock; later installs read the committed lock and need no pins."""
import json, re, subprocess, sys

def versions(name):
    out = subprocess.run(["npm", "view", name, "versions", "--json"], capture_output=True, text=True).stdout
    vs = json.loads(out)
    return [v for v in (vs if isinstance(vs, list) else [vs]) if re.fullmatch(r"\d+\.\d+\.\d+", v)]

for _ in range(30):
    r = subprocess.run(["jlpm", "install"], capture_output=True, text=True)
    m = re.search(r"Error: (@?[^@\s]+)@npm:([^:]+): No candidates found", r.stdout)
    if not m:
        print(r.stdout[-3000:]); sys.exit(r.returncode)
    name, rng = m.groups(); major = re.search(r"\d+", rng).group(0)
    pin = sorted((v for v in versions(name) if v.split(".")[0] == major), key=lambda v: tuple(map(int, v.split("."))))[-1]
    print(f"missing {name}@{rng} -> pin {pin}", flush=True)
    p = json.load(open("package.json")); p.setdefault("resolutions", {})[name] = pin
    json.dump(p, open("package.json", "w"), indent=2)
sys.exit("gave up")

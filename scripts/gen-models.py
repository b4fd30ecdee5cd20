#!/usr/bin/env python3
"""Writes api/models/<service>.json from the service models that botocore ships.

Only what the wire layer needs is kept: protocol metadata, each operation's input,
output and error shape names, and the shapes with their types, members, required
lists, enums and constraints. Documentation is dropped. Run it again when botocore
is upgraded; the output is committed so the server needs no Python at run time.
"""
import gzip, json, os, sys
import botocore

SERVICES = {"ecs": "2014-11-13", "iam": "2010-05-08", "sts": "2011-06-15", "logs": "2014-03-28",
            "secretsmanager": "2017-10-17", "ssm": "2014-11-06", "ecr": "2015-09-21"}
KEEP_SHAPE = ("type", "members", "required", "member", "key", "value", "enum", "min", "max",
              "pattern", "flattened", "locationName", "timestampFormat", "error", "exception",
              "fault", "union")
KEEP_MEMBER = ("shape", "locationName", "flattened", "xmlNamespace", "timestampFormat")

def trim(model):
    meta = {k: model["metadata"][k] for k in ("protocol", "targetPrefix", "jsonVersion", "xmlNamespace",
                                               "apiVersion", "signingName", "endpointPrefix", "serviceId")
            if k in model["metadata"]}
    ops = {}
    for name, op in model["operations"].items():
        ops[name] = {k: op[k] for k in ("input", "output", "errors") if k in op}
        for k in ("input", "output"):
            if k in ops[name]:
                ops[name][k] = {m: v for m, v in op[k].items() if m in ("shape", "resultWrapper")}
        if "errors" in ops[name]:
            ops[name]["errors"] = [e["shape"] for e in op["errors"]]
    shapes = {}
    for name, shape in model["shapes"].items():
        s = {k: v for k, v in shape.items() if k in KEEP_SHAPE}
        if "members" in s:
            s["members"] = {m: {k: v for k, v in d.items() if k in KEEP_MEMBER} for m, d in s["members"].items()}
        for k in ("member", "key", "value"):
            if k in s:
                s[k] = {kk: vv for kk, vv in s[k].items() if kk in KEEP_MEMBER}
        shapes[name] = s
    return {"metadata": meta, "operations": ops, "shapes": shapes}

def main():
    root = os.path.join(os.path.dirname(botocore.__file__), "data")
    out = os.path.join(os.path.dirname(__file__), "..", "api", "models")
    for service, version in SERVICES.items():
        with gzip.open(os.path.join(root, service, version, "service-2.json.gz")) as f:
            model = json.load(f)
        with open(os.path.join(out, f"{service}.json"), "w") as f:
            json.dump(trim(model), f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(service, len(model["operations"]), "operations", file=sys.stderr)

if __name__ == "__main__":
    main()

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
            "secretsmanager": "2017-10-17", "ssm": "2014-11-06", "ecr": "2015-09-21",
            "ec2": "2016-11-15", "efs": "2015-02-01",
            "elbv2": "2015-12-01"}
KEEP_SHAPE = ("type", "members", "required", "member", "key", "value", "enum", "min", "max",
              "pattern", "flattened", "locationName", "timestampFormat", "error", "exception",
              "fault", "union")
KEEP_MEMBER = ("shape", "locationName", "queryName", "flattened", "xmlNamespace", "timestampFormat")
# REST protocols (EFS is restJson1) route by method and URI and bind members to the URI, the
# query string and headers: those models keep each operation's `http` and each member's `location`.
REST_PROTOCOLS = ("rest-json", "rest-xml")

# EC2's model has some 750 operations: only those the emulator serves are kept, with the shapes
# they reach, so that the file stays small.
EC2_OPERATIONS = (
    "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateSecurityGroup",
    "CreateSubnet", "CreateTags", "CreateVpc", "DeleteSecurityGroup", "DeleteSubnet", "DeleteTags",
    "DeleteVpc", "DescribeAccountAttributes", "DescribeAvailabilityZones", "DescribeInstances",
    "DescribeNetworkInterfaces", "DescribeSecurityGroups", "DescribeSubnets", "DescribeTags",
    "DescribeVpcs", "RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RunInstances",
    "TerminateInstances")
PARTIAL = {"ec2": EC2_OPERATIONS}
# botocore's directory name differs from the file the server loads.
OUT_NAME = {"elbv2": "elasticloadbalancingv2"}

def trim(model):
    meta = {k: model["metadata"][k] for k in ("protocol", "targetPrefix", "jsonVersion", "xmlNamespace",
                                               "apiVersion", "signingName", "endpointPrefix", "serviceId")
            if k in model["metadata"]}
    rest = meta["protocol"] in REST_PROTOCOLS
    keep = KEEP_MEMBER + (("location",) if rest else ())
    ops = {}
    for name, op in model["operations"].items():
        ops[name] = {k: op[k] for k in ("input", "output", "errors") if k in op}
        if rest:
            ops[name]["http"] = {k: v for k, v in op["http"].items() if k in ("method", "requestUri", "responseCode")}
        for k in ("input", "output"):
            if k in ops[name]:
                ops[name][k] = {m: v for m, v in op[k].items() if m in ("shape", "resultWrapper")}
        if "errors" in ops[name]:
            ops[name]["errors"] = [e["shape"] for e in op["errors"]]
    shapes = {}
    for name, shape in model["shapes"].items():
        s = {k: v for k, v in shape.items() if k in KEEP_SHAPE}
        if "members" in s:
            s["members"] = {m: {k: v for k, v in d.items() if k in keep} for m, d in s["members"].items()}
        for k in ("member", "key", "value"):
            if k in s:
                s[k] = {kk: vv for kk, vv in s[k].items() if kk in KEEP_MEMBER}
        shapes[name] = s
    trimmed = {"metadata": meta, "operations": ops, "shapes": shapes}
    if "omittedOperations" in model:
        # Served from a partial model: the rest of the API is still listed, for coverage.
        trimmed["omittedOperations"] = model["omittedOperations"]
    return trimmed

def only(model, operations):
    """The model with just `operations` and the shapes their input and output reach."""
    ops = {k: v for k, v in model["operations"].items() if k in operations}
    seen, todo = set(), []
    for op in ops.values():
        todo += [op[k]["shape"] for k in ("input", "output") if k in op]
        todo += [e["shape"] for e in op.get("errors", [])]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model["shapes"][name]
        refs = list(shape.get("members", {}).values()) + [shape[k] for k in ("member", "key", "value") if k in shape]
        todo += [r["shape"] for r in refs]
    omitted = sorted(k for k in model["operations"] if k not in operations)
    return {**model, "operations": ops, "omittedOperations": omitted,
            "shapes": {k: v for k, v in model["shapes"].items() if k in seen}}

def main():
    root = os.path.join(os.path.dirname(botocore.__file__), "data")
    out = os.path.join(os.path.dirname(__file__), "..", "api", "models")
    # `gen-models.py efs ec2` writes only those; no argument writes every model.
    wanted = set(sys.argv[1:]) or set(SERVICES)
    for service, version in SERVICES.items():
        if service not in wanted:
            continue
        with gzip.open(os.path.join(root, service, version, "service-2.json.gz")) as f:
            model = json.load(f)
        if service in PARTIAL:
            model = only(model, PARTIAL[service])
        with open(os.path.join(out, f"{OUT_NAME.get(service, service)}.json"), "w") as f:
            json.dump(trim(model), f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(service, len(model["operations"]), "operations", file=sys.stderr)

if __name__ == "__main__":
    main()

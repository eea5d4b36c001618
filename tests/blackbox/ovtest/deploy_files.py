"""Reading the deployment files of deploy/ as Docker, Compose, Swarm, Kubernetes and nginx
would: the Dockerfile's stages, each objectvision process of the Compose, Swarm and Kubernetes
files with its effective configuration (`objectvision config check`), and nginx's blocks and
directives. Used by test_deploy_files.py."""
import base64
import json
import re
import shlex
from pathlib import Path

import websocket
import yaml

from .server import REPO, build_env, run_binary

DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
SWARM = DEPLOY / "swarm-stack.yml"
KUBERNETES = DEPLOY / "kubernetes"
NGINX_CONF = DEPLOY / "nginx" / "nginx.conf"
RELEASE_BINARY = REPO / "build" / "objectvision"

# The objectvision services of the Compose and Swarm files, and the command each runs.
OUR_SERVICES = {"api": ("serve",), "worker": ("worker",), "scheduler": ("scheduler",),
                "migrate": ("migrate", "up")}
# What an operator's ${VAR} or ${VAR:?message} stands for when the check runs `config check`:
# long enough for JWT_SECRET_KEY in production, harmless as a password.
PLACEHOLDER = "deploy-check-placeholder-5a1f3c9e7b2d4068"
# Directories where the dynamic loader looks without a RUNPATH (Debian 12, after ldconfig).
LOADER_DIRS = {"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"}
DEFAULT_PATH_DIRS = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}


# ---- reading the files -----------------------------------------------------------------------
def yaml_documents(path: Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def interpolate(value, env: dict | None = None):
    """A Compose / shell value with ${VAR:-default} given its default (or env's value) and
    ${VAR}, ${VAR:?message} the operator's value (PLACEHOLDER); $$ is a literal $."""
    if not isinstance(value, str):
        return value
    env = env or {}

    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if name in env:
            return env[name]
        return arg if op == "-" else PLACEHOLDER

    text = value.replace("$$", "\0")
    text = re.sub(r"\$\{(\w+)(?::?([-?])([^}]*))?\}", one, text)
    return text.replace("\0", "$")


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments and parser directives out."""
    found, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        found.append((word.upper(), rest.strip()))
        current = ""
    return found


class Dockerfile:
    """The stages of deploy/Dockerfile: FROM image, WORKDIR, COPY lines, RUN text, ENV, and the
    runtime stage's EXPOSE, VOLUME, USER, HEALTHCHECK, ENTRYPOINT and CMD."""

    def __init__(self, path: Path):
        self.text = path.read_text()
        self.args: dict[str, str] = {}
        self.stages: list[dict] = []
        for word, rest in dockerfile_instructions(self.text):
            if word == "ARG" and not self.stages:
                name, _, default = rest.partition("=")
                self.args[name] = default
                continue
            if word == "FROM":
                image, _, alias = interpolate(rest, self.args).partition(" AS ")
                self.stages.append({"image": image.strip(), "name": alias.strip(),
                                    "workdir": "/", "copies": [], "runs": [], "env": {}})
                continue
            stage = self.stages[-1]
            if word == "WORKDIR":
                stage["workdir"] = rest
            elif word == "COPY":
                words = shlex.split(rest)
                flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--"))
                paths = [w for w in words if not w.startswith("--")]
                stage["copies"].append({"from": flags.get("from"), "sources": paths[:-1],
                                        "dest": paths[-1]})
            elif word == "RUN":
                stage["runs"].append(rest)
            elif word == "ENV":
                stage["env"].update(w.split("=", 1) for w in shlex.split(rest))
            else:
                stage.setdefault(word, []).append(rest)

    @property
    def runtime(self) -> dict:
        return self.stages[-1]

    def stage(self, name: str) -> dict:
        return next(s for s in self.stages if s["name"] == name)

    @property
    def documented_image(self) -> str:
        m = re.search(r"docker build -f deploy/Dockerfile -t (\S+) \.", self.text)
        assert m, "deploy/Dockerfile documents its build command with the image name"
        return m.group(1)


def effective_config(env: dict, cwd: Path) -> dict[str, str]:
    """`objectvision config check` with exactly this environment: the effective settings."""
    result = run_binary(["config", "check"], build_env(env), cwd)
    assert result.returncode == 0, f"config check refuses {env}:\n{result.stderr}"
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def url_port_path(text: str, env: dict) -> tuple[int, str]:
    """The port and path of the http:// URL in a health-check command."""
    m = re.search(r"https?://[^/\s\"']+?(?::(\d+))?(/[^\s\"']*)", interpolate(text, env))
    assert m, f"no http:// URL in {text!r}"
    return int(m.group(1) or 80), m.group(2)


class Unit:
    """One objectvision process of a deploy file (a service, a Deployment or a Job): its
    command, image, environment and the (port, path) of each probe or health check."""

    def __init__(self, file: str, name: str, command, image: str, env: dict):
        self.file, self.name, self.where = file, name, f"{file} {name}"
        self.command, self.image, self.env = tuple(command), image, env
        self.probes: list[tuple[int, str]] = []
        self.config: dict[str, str] = {}  # the effective configuration (`config check`)


def compose_units(path: Path, dockerfile: Dockerfile) -> dict[str, Unit]:
    doc = yaml_documents(path)[0]
    services = doc["services"]
    units = {}
    for name in OUR_SERVICES:
        assert name in services, f"{path.name} has no {name} service"
        service = services[name]
        command = service.get("command") or json.loads(dockerfile.runtime["CMD"][0])
        env = {k: str(interpolate(v)) for k, v in (service.get("environment") or {}).items()}
        if any(s.get("target") == ".env" for s in service.get("secrets", [])
               if isinstance(s, dict)):
            # A secret mounted as the server's .env holds the variables the file names.
            for variable in doc["x-objectvision-env-secret"]:
                env.setdefault(variable, PLACEHOLDER)
        unit = Unit(path.name, name, command, interpolate(service.get("image")), env)
        check = service.get("healthcheck") or {}
        if not check.get("disable"):
            test = check.get("test")
            assert test, f"{unit.where} has a health check (or disables it, one-shot)"
            unit.probes.append(url_port_path(" ".join(test), {}))
        units[name] = unit
    return units


def kubernetes_documents() -> list[dict]:
    docs = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [{**doc, "_file": path.name} for doc in yaml_documents(path)]
    return docs


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def kubernetes_by_name(units: list[Unit]) -> dict[str, Unit]:
    return {u.name: u for u in units if u.file.endswith(".yaml")}


def selects(selector: dict, labels: dict) -> bool:
    return selector["matchLabels"].items() <= labels.items()


def kubernetes_units(docs: list[dict]) -> dict[str, Unit]:
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind(docs, "ConfigMap")}
    secrets = {d["metadata"]["name"]: {**{k: base64.b64decode(v).decode()
                                          for k, v in d.get("data", {}).items()},
                                       **d.get("stringData", {})}
               for d in by_kind(docs, "Secret")}
    units = {}
    for workload in by_kind(docs, "Deployment") + by_kind(docs, "Job"):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            env = {}
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    name = source["configMapRef"]["name"]
                    assert name in config_maps, f"{workload['_file']}: no ConfigMap {name}"
                    env.update(config_maps[name])
                else:
                    name = source["secretRef"]["name"]
                    assert name in secrets, f"{workload['_file']}: no Secret {name}"
                    env.update(secrets[name])
            # A value from elsewhere (valueFrom) is the operator's: a placeholder.
            env.update({e["name"]: e.get("value", PLACEHOLDER) for e in c.get("env", [])})
            unit = Unit(workload["_file"], workload["metadata"]["name"],
                        c.get("args") or c.get("command"), c["image"], env)
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                if kind in c:
                    assert "httpGet" in c[kind], f"{unit.where}: {kind} asks an HTTP route"
                    get = c[kind]["httpGet"]
                    unit.probes.append((ports.get(get["port"], get["port"]), get["path"]))
            units[workload["metadata"]["name"]] = unit
    return units


# ---- nginx.conf ------------------------------------------------------------------------------
def nginx_blocks(text: str, word: str) -> list[tuple[str, str]]:
    """(header, body) of every `word ... { body }` block, nested braces kept in the body."""
    blocks = []
    for m in re.finditer(rf"(?:^|(?<=[;{{}}\s])){word}(?=[\s{{])[^{{;]*\{{", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        blocks.append((m.group(0)[:-1].strip(), text[m.end():i - 1]))
    return blocks


def nginx_directives(body: str, name: str) -> list[str]:
    """The arguments of each `name ...;` at this block's own level (nested blocks left out)."""
    flat, depth = [], 0
    for ch in body:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0 and ch != "}":
            flat.append(ch)
    return [m.group(1).strip() for m in re.finditer(rf"(?:^|[;\s]){name}\s+([^;]*);",
                                                    "".join(flat))]


def size_in_mib(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1 / 2**20, "k": 1 / 1024, "m": 1, "g": 1024}[unit.lower()]


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[unit]


def handshake(port: int, path: str) -> bool:
    """Whether a WebSocket handshake on this path succeeds."""
    try:
        websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=5).close()
        return True
    except websocket.WebSocketException:  # any answer but 101 Switching Protocols
        return False


class NginxConf:
    def __init__(self, path: Path):
        self.text = re.sub(r"#[^\n]*", "", path.read_text())
        (_, self.http), = nginx_blocks(self.text, "http")
        (_, self.server), = nginx_blocks(self.http, "server")
        self.upstreams = {h.split()[1]: body for h, body in nginx_blocks(self.http, "upstream")}
        self.locations = {h.split(None, 1)[1]: body
                          for h, body in nginx_blocks(self.server, "location")}

    def effective(self, location: str, name: str) -> list[str]:
        """A directive as it applies in a location: its own, else the server's, else http's
        (nginx inherits an array directive such as proxy_set_header only when a level sets
        none of it)."""
        for body in (self.locations[location], self.server, self.http):
            found = nginx_directives(body, name)
            if found:
                return found
        return []

    def headers(self, location: str) -> dict[str, str]:
        return dict(v.split(None, 1) for v in self.effective(location, "proxy_set_header"))

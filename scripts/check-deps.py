#!/usr/bin/python3
"""Fails when the project uses something that scripts/deps/debian-packages.txt does not install.

Run with Debian's interpreter (scripts/test.sh does it first, so `make test` stops early):
    /usr/bin/python3 scripts/check-deps.py

1. Python modules. Every module that a .py file under tests/, bench/, tools/ or scripts/ imports
   (and the Python embedded in their shell scripts) is resolved with this interpreter
   (importlib.util.find_spec) and its file mapped to its package with `dpkg -S`. The package
   must be listed; the standard library (the interpreter's own packages) and the project's own
   modules are fine. A module that does not import at all is named with a likely package.
2. Commands. The commands that the shell scripts (*.sh, .ci/run), the Makefile's recipes and
   the Python tests (subprocess) call are looked up on a plain PATH; the package of each must be
   listed, be installed because a listed package depends on it, or be part of every Debian
   system (Essential / Priority: required, and apt). Commands not installed here are not reported: the
   scan is heuristic, and only the Python check can tell a missing module from a stray word.
Exit status: 0 when everything is accounted for, 1 otherwise (one line per problem).
"""
import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST = "scripts/deps/debian-packages.txt"
PY_TREES = ("tests", "bench", "tools", "scripts")
SHELL_TREES = ("tests", "bench", "tools", "scripts", ".ci")
SKIP_DIRS = {"__pycache__", "node_modules", ".git"}
PLAIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Beyond Essential and Priority: required, what every Debian root has: debootstrap's and
# mmdebstrap's minbase add apt (whose priority is "important" from 2.6.2 on, "required" before).
MINBASE_EXTRA = {"apt"}
# Commands that a file calls only outside `make test` and the README's commands, and that the
# tool it serves installs itself: command -> the file. mmdebstrap: .ci/run prepares the root
# of ../shared/tools/fresh-debian, which installs mmdebstrap when it runs.
NOT_FOR_MAKE_TEST = {"mmdebstrap": ".ci/run"}
# The interpreter's own packages: the standard library lives in these.
INTERPRETER_PKG = re.compile(r"^(lib)?python3(\.\d+)?(-minimal|-stdlib)?$")
# Module names whose Debian package is not python3-<name>.
KNOWN_PACKAGES = {
    "PIL": "python3-pil", "cv2": "python3-opencv", "yaml": "python3-yaml",
    "dateutil": "python3-dateutil", "google": "python3-protobuf", "sklearn": "python3-sklearn",
    "skimage": "python3-skimage", "serial": "python3-serial", "bs4": "python3-bs4",
    "Crypto": "python3-pycryptodome", "jwt": "python3-jwt", "magic": "python3-magic",
    "tkinter": "python3-tk", "lib2to3": "python3-lib2to3", "venv": "python3-venv",
    "ensurepip": "python3-venv", "websockets": "python3-websockets",
}
BASH_WORDS = set("""
    ! [[ ]] { } case coproc do done elif else esac fi for function if in select then time until
    while . : [ alias bg bind break builtin caller cd command compgen complete compopt continue
    declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history
    jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return set
    shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait
""".split())
# Words after which the next word is a command too.
PREFIX_WORDS = {"sudo", "env", "nice", "nohup", "exec", "time", "command", "xargs", "timeout",
                "runuser", "chroot", "stdbuf", "setsid", "!"}
OPTIONS_WITH_VALUE = {"-u", "-g", "-n", "-k", "-s", "-I", "-P", "-o", "--kill-after", "--signal"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")  # VAR=value cmd
DURATION = re.compile(r"^[0-9.]+[smhd]?$")
SEPARATORS = {";", "&", "&&", "||", "|", "|&", "(", ")", "{", "}", "then", "do", "else", "elif",
              "if", "while", "until", "$(", "`", ";;"}


def rel(path):
    return os.path.relpath(path, ROOT)


def listed_packages():
    names = set()
    with open(os.path.join(ROOT, LIST), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.add(line.split("=", 1)[0].strip())
    return names


def files_under(trees, want):
    for top in trees:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if want(path):
                    yield path


def is_shell_script(path):
    if path.endswith(".sh"):
        return True
    if "." in os.path.basename(path):
        return False
    try:
        with open(path, "rb") as f:
            first = f.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and (b"bash" in first or b"/sh" in first)


# ---- what the sources use ------------------------------------------------------------------

def python_imports(source, where, found):
    """Top-level modules imported by `source` -> found[module] = (first importer, its dir)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], where)


def python_commands(source, where, found):
    """Commands run through subprocess / shutil.which with a literal program name."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run", "Popen", "call", "check_call", "check_output",
                                       "which") and node.args):
            continue
        arg = node.args[0]
        if isinstance(arg, (ast.List, ast.Tuple)) and arg.elts:
            arg = arg.elts[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.setdefault(arg.value, where)


def logical_lines(text):
    """Lines of a shell script without comments, heredoc bodies (returned apart, with the line
    that opened them) and backslash continuations."""
    lines, heredocs = [], []
    pending = ""
    it = iter(text.splitlines())
    for raw in it:
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        line = re.sub(r"(^|\s)#.*$", "", line) if "'" not in line and '"' not in line else line
        lines.append(line)
        m = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        if m:
            body = []
            for raw_body in it:
                if raw_body.strip() == m.group(1):
                    break
                body.append(raw_body)
            heredocs.append((line, "\n".join(body)))
    return lines, heredocs


def shell_words(line):
    """Splits one shell line into words and separators; quoted text, ${...} and $((...)) stay
    inside their word, `$(` is a separator of its own."""
    words, word, i = [], "", 0

    def through(j):  # the index of the character that ends what starts at i
        return len(line) - 1 if j < 0 else j

    while i < len(line):
        c = line[i]
        if c in " \t":
            words.append(word)
            word = ""
        elif c == "'":
            j = through(line.find("'", i + 1))
            word += line[i:j + 1]
            i = j
        elif c == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            word += line[i:j + 1]
            i = j
        elif line.startswith("${", i) or line.startswith("$((", i):
            j = through(line.find("}" if line[i + 1] == "{" else "))", i))
            j += 0 if line[i + 1] == "{" else 1
            word += line[i:j + 1]
            i = j
        elif line.startswith("$(", i) or c in ";|()`" or (c == "&" and not word.endswith((">", "<"))):
            words.append(word)
            word = ""
            token = line[i:i + 2]
            if token not in ("$(", "&&", "||", ";;", "|&"):
                token = c
            words.append(token)
            i += len(token) - 1
        elif c == "\\":
            word += line[i:i + 2]
            i += 1
        else:
            word += c
        i += 1
    words.append(word)
    return [w for w in words if w]


def shell_commands(line):
    """Words of one shell line that stand where a command stands (a heuristic: what follows a
    separator, an assignment, or a prefix such as `timeout 60` or `runuser -u postgres --`)."""
    out, expect, prefix = [], True, None
    words = iter(shell_words(line))
    for word in words:
        if word in SEPARATORS or word.endswith("()"):
            expect, prefix = word != ")", None
        elif not expect or ASSIGNMENT.match(word):
            continue
        elif prefix and word.startswith("-"):  # an option of the prefix command
            if word in OPTIONS_WITH_VALUE:
                next(words, None)
        elif prefix == "timeout" and DURATION.match(word):
            prefix = None
        else:
            out.append(word)
            prefix = word if word in PREFIX_WORDS else None
            expect = prefix is not None
    return out


def command_name(word):
    """A plain command name, or None (a path, a variable, a quoted word, an option, a builtin)."""
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$", word):
        return None
    if word in BASH_WORDS:
        return None
    return word


def scan():
    modules, commands = {}, {}
    for path in files_under(PY_TREES, lambda p: p.endswith(".py")):
        with open(path, encoding="utf-8", errors="replace") as f:
            source = f.read()
        python_imports(source, (rel(path), os.path.dirname(path)), modules)
        python_commands(source, rel(path), commands)

    shell_files = list(files_under(SHELL_TREES, is_shell_script))
    for path in shell_files + [os.path.join(ROOT, "Makefile")]:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if path.endswith("Makefile"):  # recipes only, one command line each
            text = "\n".join(l[1:] for l in text.splitlines() if l.startswith("\t"))
        functions = set(re.findall(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)", text, re.M))
        lines, heredocs = logical_lines(text)
        for line in lines:
            for word in shell_commands(line):
                name = command_name(word)
                if name and name not in functions:
                    commands.setdefault(name, rel(path))
            # python3 -c '...'
            for code in re.findall(r"python3?\S*\"?\s+-c\s+'([^']*)'", line):
                python_imports(code, (rel(path), os.path.dirname(path)), modules)
        for opener, body in heredocs:
            if re.search(r"python3?\b|\$PY\b|PYTHON", opener):
                python_imports(body, (rel(path), os.path.dirname(path)), modules)
    return modules, commands


# ---- where things come from ----------------------------------------------------------------

def aliases(path):
    """The names dpkg may know a file by: as given, resolved, and across the merged /usr
    (dpkg records /bin/cat; PATH finds /usr/bin/cat)."""
    names = {path, os.path.realpath(path)}
    for name in list(names):
        m = re.match(r"^/usr(/(?:s?bin|lib\w*)/.*)$", name)
        names.add(m.group(1) if m else "/usr" + name)
    return names


def owners(paths):
    """dpkg -S for many paths at once: {path: set of packages}, absent when no package has it
    under any of its aliases."""
    names = {alias: path for path in paths for alias in aliases(path)}
    result = {}
    if not names:
        return result
    run = subprocess.run(["dpkg", "-S", *sorted(names)], capture_output=True, text=True,
                         check=False)
    for line in run.stdout.splitlines():
        if ": " not in line:
            continue
        pkgs, name = line.rsplit(": ", 1)
        if name in names:
            result.setdefault(names[name], set()).update(
                p.strip().split(":")[0] for p in pkgs.split(",") if p.strip())
    return result


def installed_packages():
    """{name: (essential or required, [dependency alternatives...])} and {virtual: [providers]}."""
    fmt = "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\t${Provides}\n"
    run = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True,
                         check=False)
    packages, provides = {}, {}
    for line in run.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 6 or not parts[0].startswith("ii"):
            continue
        _, name, essential, priority, depends, provided = parts
        deps = []
        for clause in depends.split(","):
            alternatives = [re.split(r"[\s(:]", a.strip(), 1)[0] for a in clause.split("|")]
            alternatives = [a for a in alternatives if a]
            if alternatives:
                deps.append(alternatives)
        base = essential == "yes" or priority == "required" or name in MINBASE_EXTRA
        packages[name] = (base, deps)
        for p in provided.split(","):
            p = re.split(r"[\s(:]", p.strip(), 1)[0]
            if p:
                provides.setdefault(p, []).append(name)
    return packages, provides


def closure(roots, packages, provides):
    """The listed packages and everything installed because they depend on it."""
    seen = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        candidates = [name] if name in packages else provides.get(name, [])
        for real in candidates:
            if real in seen:
                continue
            seen.add(real)
            for alternatives in packages[real][1]:
                todo.extend(a for a in alternatives if a in packages or a in provides)
    return seen


def debian_name(module):
    return KNOWN_PACKAGES.get(module) or "python3-" + module.lower().replace("_", "-")


def suggest(module):
    """A Debian package that probably ships `module`, with its candidate version (apt-cache;
    the package lists name no files, so a package of another name is not found)."""
    for name in dict.fromkeys([debian_name(module), "python3-" + module.lower()]):
        run = subprocess.run(["apt-cache", "policy", name], capture_output=True, text=True,
                             check=False)
        m = re.search(r"Candidate:\s*(\S+)", run.stdout)
        if m and m.group(1) != "(none)":
            return f"{name}={m.group(1)}"
    return None


def project_module(name, importer_dir):
    """Is `name` one of the project's own modules, seen from a file in importer_dir?"""
    d = importer_dir
    while d.startswith(ROOT):
        if os.path.exists(os.path.join(d, name + ".py")) or \
                os.path.exists(os.path.join(d, name, "__init__.py")):
            return True
        if d == ROOT:
            break
        d = os.path.dirname(d)
    return False


def check_modules(modules, listed):
    problems = []
    stdlib_dirs = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
    origins = {}
    for module, (where, importer_dir) in sorted(modules.items()):
        if module in sys.builtin_module_names or module == "__future__":
            continue
        if project_module(module, importer_dir):
            continue
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            hint = suggest(module)
            problems.append(
                f"python module {module!r} (imported by {where}) does not import with "
                f"{sys.executable}" + (f": install it and list it in {LIST}, probably as "
                                       f"{hint}" if hint else f"; there is no {debian_name(module)} "
                                       "package: which Debian package ships it?"))
            continue
        origin = spec.origin if spec.origin not in (None, "namespace") else \
            next(iter(spec.submodule_search_locations or []), None)
        if origin in (None, "built-in", "frozen"):
            continue
        if os.path.realpath(origin).startswith(os.path.realpath(ROOT) + os.sep):
            continue
        origins[module] = (where, origin)
    owned = owners({origin for _, origin in origins.values()})
    for module, (where, origin) in sorted(origins.items()):
        pkgs = owned.get(origin, set())
        if not pkgs:
            in_stdlib = any(os.path.realpath(origin).startswith(d + os.sep) for d in stdlib_dirs)
            problems.append(
                f"python module {module!r} (imported by {where}) comes from {origin}, which no "
                "Debian package installed" + ("" if in_stdlib else " (pip or by hand?)") +
                f": install and list its python3-* package in {LIST}")
        elif not (pkgs & listed or all(INTERPRETER_PKG.match(p) for p in pkgs)):
            problems.append(
                f"python module {module!r} (imported by {where}) comes from the Debian package "
                f"{', '.join(sorted(pkgs))}, which {LIST} does not list: add "
                + " or ".join(f"{p}={version(p)}" for p in sorted(pkgs)))
    return problems


def version(package):
    run = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True,
                         text=True, check=False)
    return run.stdout.strip() or "VERSION"


def check_commands(commands, listed):
    packages, provides = installed_packages()
    available = closure(listed, packages, provides) | {
        name for name, (base, _) in packages.items() if base}
    found = {}
    for name, where in sorted(commands.items()):
        if name in NOT_FOR_MAKE_TEST and where.startswith(NOT_FOR_MAKE_TEST[name]):
            continue
        path = shutil.which(name, path=PLAIN_PATH)
        if path:
            found[name] = (where, path)
    owned = owners({path for _, path in found.values()})
    problems = []
    for name, (where, path) in sorted(found.items()):
        pkgs = owned.get(path, set())
        if not pkgs:
            problems.append(f"command {name!r} (run by {where}) is {path}, which no Debian "
                            f"package installed: use a packaged one and list it in {LIST}")
        elif not pkgs & available:
            problems.append(
                f"command {name!r} (run by {where}) comes from the Debian package "
                f"{', '.join(sorted(pkgs))}, which {LIST} does not list (nor anything it "
                "depends on): add " + " or ".join(f"{p}={version(p)}" for p in sorted(pkgs)))
    return problems


def main():
    os.chdir(ROOT)
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != os.path.realpath(
        os.path.dirname(os.path.abspath(__file__)))]
    listed = listed_packages()
    modules, commands = scan()
    problems = check_modules(modules, listed) + check_commands(commands, listed)
    for problem in problems:
        print(f"check-deps: {problem}", file=sys.stderr)
    if problems:
        print(f"check-deps: {len(problems)} problem(s); scripts/setup.sh installs only what "
              f"{LIST} lists, so a fresh machine would fail here", file=sys.stderr)
        return 1
    print(f"check-deps: {len(modules)} python modules and {len(commands)} commands, all from "
          f"{LIST}, the standard library or the project")
    return 0


if __name__ == "__main__":
    sys.exit(main())

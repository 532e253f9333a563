"""The six languages: where the source goes, how it compiles, how it runs, how it runs out.

Every command runs inside the sandbox image (paths are the image's), under the runner's
rlimits. Memory is capped by RLIMIT_AS where the runtime tolerates it (Python, C, C++,
Rust); the JVM and V8 reserve far more address space than they use, so Java and JavaScript
get their heap cap as a flag instead (the Docker backend's cgroup stays the backstop).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Compiled programs go here, and survive the wipe between one item's tests.
BUILD_DIR = "bin"
SOURCE_DIR = "src"

_JAVA_VM = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto")
_PUBLIC_CLASS = re.compile(r"^\s*public\s+(?:(?:final|abstract|strictfp)\s+)*class\s+(\w+)", re.M)
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
_ANY_MAIN_CLASS = re.compile(
    r"class\s+(\w+)[^{]*\{(?:(?!\bclass\b).)*?static\s+void\s+main\s*\(", re.S
)


@dataclass(frozen=True)
class Command:
    """One command inside the sandbox and how its memory is capped."""

    argv: tuple[str, ...]
    # RLIMIT_AS applies (False: the runtime gets a heap flag and the cgroup backstop instead).
    address_space_limited: bool = True


@dataclass(frozen=True)
class Language:
    """How to build and run one language. ``memory_markers``: its out-of-memory messages."""

    name: str
    aliases: tuple[str, ...]
    source_name: Callable[[str], str]
    compile: Callable[[str, int], Command] | None  # (source path, memory MB) -> command
    run: Callable[[str, int], Command]  # (source path, memory MB) -> command
    memory_markers: tuple[str, ...] = ()

    @property
    def compiled(self) -> bool:
        return self.compile is not None


def java_class_name(source: str) -> str:
    """The class ``java`` must start: the public class, else one with ``main``, else Main."""
    match = _PUBLIC_CLASS.search(source) or _ANY_MAIN_CLASS.search(source)
    return match.group(1) if match else "Main"


def _java_compile(path: str, memory_mb: int) -> Command:
    flags = [f"-J{f}" for f in _JAVA_VM] + [f"-J-Xmx{memory_mb}m"]
    return Command(("/usr/bin/javac", *flags, "-encoding", "UTF-8", "-d", BUILD_DIR, path), False)


def _java_run(path: str, memory_mb: int) -> Command:
    # src/org/example/Main.java runs as org.example.Main.
    main_class = path.removeprefix(f"{SOURCE_DIR}/").removesuffix(".java").replace("/", ".")
    heap = f"-Xmx{max(16, memory_mb)}m"
    return Command(
        ("/usr/bin/java", *_JAVA_VM, heap, "-Xss64m", "-cp", BUILD_DIR, main_class), False
    )


def _java_source_name(source: str) -> str:
    # javac wants the public class in <Class>.java; a package's goes in its folder.
    package = _PACKAGE.search(source)
    folder = package.group(1).replace(".", "/") + "/" if package else ""
    return f"{SOURCE_DIR}/{folder}{java_class_name(source)}.java"


def _native(argv: tuple[str, ...], libs: tuple[str, ...] = ()) -> Callable[[str, int], Command]:
    # Libraries after the source: the linker resolves left to right.
    return lambda path, _memory_mb: Command((*argv, "-o", f"{BUILD_DIR}/main", path, *libs))


def _binary(_path: str, _memory_mb: int) -> Command:
    return Command((f"./{BUILD_DIR}/main",))


LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
        Language(
            "python",
            ("python3", "py", "py3"),
            lambda _source: "main.py",
            None,
            lambda path, _mb: Command(("/usr/bin/python3", path)),
            ("MemoryError",),
        ),
        Language(
            "cpp",
            ("c++", "cpp17", "cxx", "g++"),
            lambda _source: f"{SOURCE_DIR}/main.cpp",
            _native(("/usr/bin/g++", "-std=gnu++17", "-O2", "-pipe")),
            _binary,
            ("std::bad_alloc",),
        ),
        Language(
            "c",
            ("gcc", "c11", "c17"),
            lambda _source: f"{SOURCE_DIR}/main.c",
            _native(("/usr/bin/gcc", "-std=gnu17", "-O2", "-pipe"), ("-lm",)),
            _binary,
        ),
        Language(
            "java",
            ("java17",),
            _java_source_name,
            _java_compile,
            _java_run,
            ("java.lang.OutOfMemoryError",),
        ),
        Language(
            "javascript",
            ("js", "node", "nodejs"),
            lambda _source: "main.js",
            None,
            lambda path, mb: Command(
                ("/usr/bin/node", f"--max-old-space-size={max(16, mb)}", path), False
            ),
            ("heap out of memory", "Allocation failed"),
        ),
        Language(
            "rust",
            ("rs", "rustc"),
            lambda _source: f"{SOURCE_DIR}/main.rs",
            _native(("/usr/bin/rustc", "--edition", "2021", "-O", "-C", "debuginfo=0")),
            _binary,
            ("memory allocation of",),
        ),
    )
}
_BY_ALIAS = {alias: lang for lang in LANGUAGES.values() for alias in (lang.name, *lang.aliases)}


def language(name: str) -> Language:
    """The language called ``name`` (or one of its aliases, any case).

    Raises:
        ValueError: no such language.
    """
    found = _BY_ALIAS.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unsupported language {name!r}; supported: {', '.join(LANGUAGES)}")
    return found

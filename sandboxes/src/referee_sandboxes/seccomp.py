"""The bubblewrap sandboxes' seccomp filter: the kernel keyring system calls fail with EPERM.

Keyrings are kernel state outside every namespace bwrap creates: a key added to the uid's
user keyring by one execution is there for the next, and the session keyring a sandbox
inherits is the host process's own. Docker's default seccomp profile refuses these calls;
this filter refuses the same three (``add_key``, ``request_key``, ``keyctl``) with the same
EPERM, under every ABI the machine runs (x86-64 with its x32 and i386 variants, arm64 with
32-bit arm) and allows everything else.

bwrap ``--seccomp FD`` reads the program as raw ``struct sock_filter`` records (classic
BPF over ``struct seccomp_data``); it is assembled here with ``struct`` because no seccomp
library is needed for ten instructions.
"""

from __future__ import annotations

import errno
import platform
import struct

# struct seccomp_data: int nr; __u32 arch; ...
_NR_OFFSET = 0
_ARCH_OFFSET = 4
# Classic BPF opcodes.
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_AND_K = 0x54  # BPF_ALU | BPF_AND | BPF_K
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_RET_ALLOW = 0x7FFF0000  # SECCOMP_RET_ALLOW
_RET_EPERM = 0x00050000 | errno.EPERM  # SECCOMP_RET_ERRNO | EPERM, as Docker's profile
# x32 system calls arrive under the x86-64 arch with this bit set, with x86-64's numbers.
_X32_SYSCALL_BIT = 0x40000000
_FILTER = struct.Struct("=HBBI")  # struct sock_filter: code, jt, jf, k

# Per machine: each ABI's audit arch and its (add_key, request_key, keyctl) numbers.
KEYRING_SYSCALLS: dict[str, tuple[tuple[int, tuple[int, ...]], ...]] = {
    "x86_64": ((0xC000003E, (248, 249, 250)), (0x40000003, (286, 287, 288))),
    "aarch64": ((0xC00000B7, (217, 218, 219)), (0x40000028, (309, 310, 311))),
}


def keyring_filter(machine: str | None = None) -> bytes:
    """The filter for ``machine`` (default: this one), ready for bwrap's ``--seccomp``.

    Raises:
        ValueError: no syscall table for this machine (the sandbox must not start without it).
    """
    machine = machine or platform.machine()
    abis = KEYRING_SYSCALLS.get(machine)
    if abis is None:
        raise ValueError(f"no keyring seccomp filter for {machine!r}")
    # One block per ABI: "if arch matches: load the number, refuse the listed ones, allow the
    # rest". The arch stays in the accumulator while a non-matching block is jumped over.
    program: list[tuple[int, int, int, int]] = [(_LD_W_ABS, 0, 0, _ARCH_OFFSET)]
    deny_jumps: list[int] = []  # instructions whose true branch goes to the final RET EPERM
    for arch, numbers in abis:
        body_length = 2 + len(numbers) + 1
        program.append((_JEQ_K, 0, body_length, arch))
        program.append((_LD_W_ABS, 0, 0, _NR_OFFSET))
        program.append((_AND_K, 0, 0, 0xFFFFFFFF & ~_X32_SYSCALL_BIT))
        for number in numbers:
            deny_jumps.append(len(program))
            program.append((_JEQ_K, 0, 0, number))
        program.append((_RET_K, 0, 0, _RET_ALLOW))
    program.append((_RET_K, 0, 0, _RET_ALLOW))  # an ABI not listed: nothing to refuse there
    deny = len(program)
    program.append((_RET_K, 0, 0, _RET_EPERM))
    for i in deny_jumps:
        code, _, jf, k = program[i]
        program[i] = (code, deny - i - 1, jf, k)
    return b"".join(_FILTER.pack(*instruction) for instruction in program)

#!/usr/bin/env python3
"""Disassembles the C2-compiled methods of a -XX:+PrintAssembly log that has no hsdis plugin (HotSpot then
prints each method's machine code as hex), with binutils' objdump, so that a micro-kernel's loop can be read:
spilled accumulators show as stack accesses, bounds checks as compares and branches to a trap, and the FMAs as
vfmadd231ps on xmm, ymm or zmm registers. Debian's libhsdis0-fcml is too old for JDK 25.

    java --add-modules jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions \\
        -XX:CompileCommand=print,org.gatelane.kernels.GemmMicroKernels::tile6x4 ... > jit.log
    bench/jit-disassemble.py jit.log            # one listing per C2-compiled method in the log
"""
import re
import subprocess
import sys
import tempfile

if len(sys.argv) != 2:
    sys.exit(__doc__)
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for block in text.split("============================= ")[1:]:
    if not block.startswith("C2-compiled nmethod") or "[MachCode]" not in block:
        continue
    name = re.search(r"Compiled method \(c2\).*?(\S+::\S+)", block)
    code = block.split("[MachCode]")[1].split("[Exception Handler]")[0]
    machine = bytearray()
    for line in code.splitlines():
        words = re.match(r"\s*0x[0-9a-f]+: ([0-9a-f| ]+)$", line)
        if words:
            for word in words.group(1).replace("|", " ").split():
                machine += bytes.fromhex(word)
    with tempfile.NamedTemporaryFile(suffix=".bin") as binary:
        binary.write(machine)
        binary.flush()
        listing = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", binary.name],
                                 capture_output=True, text=True, check=True).stdout
    print(f"### {name.group(1) if name else '(unnamed)'}: {len(machine)} bytes")
    print(listing)

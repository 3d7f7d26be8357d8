# SPDX-License-Identifier: BSD-2-Clause
"""gdb commands for looking at mmukit's state in a halted demo kernel (make debug).

  mmk-pmm                 the physical memory manager: frames, free blocks by order
  mmk-spaces              every address space: root, ASID, table pages
  mmk-regions [SPACE]     the regions of a VM space (an expression of type
                          struct mmk_vm_space *); without one, the ranges in use in the
                          kernel's heap / MMIO window
  mmk-walk ADDR [SPACE]   walk ADDR through the tables, each level's entry decoded
                          (SPACE: a struct mmk_mmu_space *; default the kernel space)
  mmk-ptes ADDR [COUNT] [SPACE]   the leaf entries of COUNT pages from ADDR, decoded

The walk follows the format description the kernel itself runs on (the_mmu.fmt: levels,
index bits, table and leaf encodings), so one implementation serves every machine, and
reads the tables from guest physical memory through QEMU's gdb stub
(Qqemu.PhyMemMode), not through whatever mapping the CPU has at the moment.
"""
import gdb

# Names of the attribute bits of each format's entries, for decoding (bit -> name).
# x86: Intel SDM Vol. 3A 4.3 and 4.5; ARMv7 short descriptors: ARM ARM B3.5.1;
# VMSAv8-64: ARM ARM D8.3; RISC-V: privileged spec 4.3.1 / 4.4.1.
_X86 = {0: "P", 1: "RW", 2: "US", 3: "PWT", 4: "PCD", 5: "A", 6: "D", 7: "PS", 8: "G",
        63: "NX"}
_BITS = [
    ("i386", _X86),
    ("x86_64", _X86),
    ("ARMv7", None),  # by descriptor type: _ARMV7 below
    ("VMSAv8", {0: "V", 1: "T/P", 6: "AP1(EL0)", 7: "AP2(RO)", 10: "AF", 11: "nG",
                53: "PXN", 54: "UXN"}),
    ("Sv", {0: "V", 1: "R", 2: "W", 3: "X", 4: "U", 5: "G", 6: "A", 7: "D"}),
]


# ARMv7 short descriptors (ARM ARM B3.5.1): a section (first level), a small and a
# large page (second level) place their bits differently.
_ARMV7_SECTION = {0: "PXN", 2: "B", 3: "C", 4: "XN", 10: "AP0", 11: "AP1", 15: "AP2",
                  16: "S", 17: "nG"}
_ARMV7_SMALL = {0: "XN", 2: "B", 3: "C", 4: "AP0", 5: "AP1", 9: "AP2", 10: "S", 11: "nG"}
_ARMV7_LARGE = {2: "B", 3: "C", 4: "AP0", 5: "AP1", 9: "AP2", 10: "S", 11: "nG", 15: "XN"}


def _armv7_bits(e, level):
    if level == 1:
        return _ARMV7_SECTION
    return _ARMV7_SMALL if e & 2 else _ARMV7_LARGE


def _bit_names(fmt_name):
    for prefix, names in _BITS:
        if fmt_name.startswith(prefix):
            return names
    return {}


def _int(v):
    return int(v)


def _phys_read(pa, size):
    """size bytes of guest physical memory at pa, little-endian, as an integer."""
    gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
    try:
        mem = gdb.selected_inferior().read_memory(pa, size)
    finally:
        gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)
    return int.from_bytes(bytes(mem), "little")


class Format:
    """The kernel's struct mmk_pt_format, read once per command."""

    def __init__(self):
        f = gdb.parse_and_eval("the_mmu.fmt").dereference()
        self.name = f["name"].string()
        self.levels = _int(f["levels"])
        self.entry_bytes = _int(f["entry_bytes"])
        self.pa_shift = _int(f["pa_shift"])
        self.valid = _int(f["valid"])
        self.level = []
        for i in range(self.levels):
            lv = f["level"][i]
            self.level.append({
                "shift": _int(lv["shift"]), "bits": _int(lv["bits"]),
                "table_mask": _int(lv["table_mask"]), "table_match": _int(lv["table_match"]),
                "table_addr": _int(lv["table_addr"]), "name": lv["name"].string()})
        self.sizes = []
        for i in range(_int(f["size_count"])):
            s = f["sizes"][i]
            self.sizes.append({
                "shift": _int(s["shift"]), "level": _int(s["level"]),
                "kind_mask": _int(s["kind_mask"]), "kind_match": _int(s["kind_match"]),
                "addr": _int(s["addr"])})
        self.bits = _bit_names(self.name)

    def decode(self, e, level):
        bits = self.bits if self.bits is not None else _armv7_bits(e, level)
        return " ".join(n for b, n in sorted(bits.items()) if e >> b & 1)

    def walk(self, root, va):
        """[(level, index, entry, table_pa, kind, target)], kind 'table', 'leaf', 'invalid'
        or 'reserved'; target: the next table, or (page pa, page bytes) for a leaf."""
        steps = []
        table = root
        for level in range(self.levels - 1, -1, -1):
            lv = self.level[level]
            index = (va >> lv["shift"]) & ((1 << lv["bits"]) - 1)
            e = _phys_read(table + index * self.entry_bytes, self.entry_bytes)
            if not e & self.valid:
                steps.append((level, index, e, table, "invalid", None))
                break
            if level > 0 and lv["table_mask"] and (e & lv["table_mask"]) == lv["table_match"]:
                nxt = (e & lv["table_addr"]) << self.pa_shift
                steps.append((level, index, e, table, "table", nxt))
                table = nxt
                continue
            for s in self.sizes:
                if s["level"] == level and (e & s["kind_mask"]) == s["kind_match"]:
                    pa = ((e & s["addr"]) << self.pa_shift) & ~((1 << s["shift"]) - 1)
                    steps.append((level, index, e, table, "leaf", (pa, 1 << s["shift"])))
                    break
            else:
                steps.append((level, index, e, table, "reserved", None))
            break
        return steps


def _space_root(arg):
    if arg:
        return _int(gdb.parse_and_eval("(%s)->root" % arg))
    return _int(gdb.parse_and_eval("the_mmu.kernel.root"))


def _hex_entry(fmt, e):
    return "0x%0*x" % (fmt.entry_bytes * 2, e)


def _size_name(b):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if b >= 1 << shift and b % (1 << shift) == 0:
            return "%d%s" % (b >> shift, unit)
    return "%dB" % b


class MmkWalk(gdb.Command):
    """mmk-walk ADDR [SPACE]: ADDR's table walk, read from guest physical memory."""

    def __init__(self):
        super().__init__("mmk-walk", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: mmk-walk ADDR [SPACE]")
        va = _int(gdb.parse_and_eval(args[0]))
        fmt = Format()
        root = _space_root(args[1] if len(args) > 1 else None)
        print("walk of 0x%x (%s, root 0x%x):" % (va, fmt.name, root))
        for level, index, e, table, kind, target in fmt.walk(root, va):
            line = "  %-5s[%4d] = %s" % (fmt.level[level]["name"], index, _hex_entry(fmt, e))
            if kind == "table":
                line += " table at 0x%x" % target
            elif kind == "leaf":
                pa, size = target
                line += " page %s at 0x%x -> 0x%x  %s" % (_size_name(size), pa,
                                                          pa + (va & (size - 1)), fmt.decode(e, level))
            else:
                line += " not present" if kind == "invalid" else " reserved encoding"
            print(line)


class MmkPtes(gdb.Command):
    """mmk-ptes ADDR [COUNT] [SPACE]: the leaf entries of COUNT 4 KiB pages from ADDR."""

    def __init__(self):
        super().__init__("mmk-ptes", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: mmk-ptes ADDR [COUNT] [SPACE]")
        va = _int(gdb.parse_and_eval(args[0])) & ~0xFFF
        count = _int(gdb.parse_and_eval(args[1])) if len(args) > 1 else 16
        fmt = Format()
        root = _space_root(args[2] if len(args) > 2 else None)
        for i in range(count):
            a = va + i * 4096
            level, index, e, table, kind, target = fmt.walk(root, a)[-1]
            where = "%s[%d]" % (fmt.level[level]["name"], index)
            if kind == "leaf":
                pa, size = target
                print("0x%x  %-10s %s  %4s page -> 0x%x  %s" % (
                    a, where, _hex_entry(fmt, e), _size_name(size), pa + (a & (size - 1)),
                    fmt.decode(e, level)))
            else:
                print("0x%x  %-10s %s  %s" % (a, where, _hex_entry(fmt, e),
                                               "not present" if kind == "invalid" else kind))


class MmkPmm(gdb.Command):
    """mmk-pmm: the physical memory manager's totals and free blocks by order."""

    def __init__(self):
        super().__init__("mmk-pmm", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        p = gdb.parse_and_eval("the_pmm")
        total, free = _int(p["total_frames"]), _int(p["free_frames"])
        base, span = _int(p["base_pfn"]), _int(p["span"])
        print("pmm: %d frames usable (%d KiB), %d free (%d KiB), %d cached singles" % (
            total, total * 4, free, free * 4, _int(p["cached"])))
        print("pmm: frames %d-%d (pa 0x%x-0x%x)" % (base, base + span - 1, base << 12,
                                                    (base + span) << 12))
        blocks = p["free_blocks"]
        n = blocks.type.sizeof // blocks[0].type.sizeof
        print("pmm: free blocks by order: " + " ".join(
            "%d:%d" % (k, _int(blocks[k])) for k in range(n) if _int(blocks[k])))


class MmkSpaces(gdb.Command):
    """mmk-spaces: every address space of the MMU (the kernel space first)."""

    def __init__(self):
        super().__init__("mmk-spaces", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        s = gdb.parse_and_eval("the_mmu.spaces")
        active = _int(gdb.parse_and_eval("(unsigned long)the_mmu.active"))
        while _int(s) != 0:
            d = s.dereference()
            print("%s space at 0x%x: root 0x%x, asid %d, %d table pages%s" % (
                "kernel" if bool(d["is_kernel"]) else "user", _int(s), _int(d["root"]),
                _int(d["asid"]), _int(d["table_pages"]),
                " (active)" if _int(s) == active else ""))
            s = d["next"]


def _vas_ranges(node):
    """The ranges of a VAS tree, in address order."""
    out = []
    stack = []
    while stack or _int(node) != 0:
        while _int(node) != 0:
            stack.append(node)
            node = node.dereference()["left"]
        node = stack.pop()
        out.append(node)
        node = node.dereference()["right"]
    return out


_OBJECT_KINDS = {1: "shared", 2: "phys", 3: "pager"}


def _region_kind(reg):
    """What include/mmukit/vm.h's mmk_vm_region_kind says, read from the struct."""
    if _int(reg["grow_limit"]):
        return "stack"
    obj = reg["object"]
    if not _int(obj):
        return "anon"
    kind = _OBJECT_KINDS.get(_int(obj.dereference()["kind"]), "?")
    return kind if kind != "shared" or _int(reg["flags"]) & 1 else "anon"


def _prot(p):
    return "".join(c if p & b else "-" for c, b in (("r", 1), ("w", 2), ("x", 4), ("u", 8)))


class MmkRegions(gdb.Command):
    """mmk-regions [SPACE]: a VM space's regions, or the kernel window's ranges in use."""

    def __init__(self):
        super().__init__("mmk-regions", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        if arg.strip():
            space = gdb.parse_and_eval(arg)
            rtype = gdb.lookup_type("struct mmk_vm_region").pointer()
            for r in _vas_ranges(space.dereference()["regions"]["root"]):
                reg = r.cast(rtype).dereference()  # the range is the region's first member
                print("0x%x-0x%x  %-6s %s" % (_int(r["start"]), _int(r["end"]),
                                               _region_kind(reg), _prot(_int(reg["prot"]))))
            return
        vas = gdb.parse_and_eval("the_kvm.vas")
        print("kernel window [0x%x, 0x%x), ranges in use:" % (_int(vas["base"]), _int(vas["end"])))
        for r in _vas_ranges(vas["root"]):
            print("  0x%x-0x%x" % (_int(r["start"]), _int(r["end"])))


for _c in (MmkWalk, MmkPtes, MmkPmm, MmkSpaces, MmkRegions):
    _c()

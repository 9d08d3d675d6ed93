# The guest-CPU probe: 512 bytes that SeaBIOS boots, printing CPUID leaves 1 (ecx), 7 (ebx) and
# 0x80000001 (ecx) to the serial port, then leaving through isa-debug-exit (where QEMU has it;
# elsewhere it halts, and the probe is ended once its line is read). cpuprobe.py carries the
# assembled bytes; tests/unit/test_accel.py assembles this file again (GNU as) and compares.
#   as --32 -o p.o cpuprobe.S && ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o p.bin p.o
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    mov $banner, %si
    call puts
    mov $1, %eax
    cpuid
    mov %ecx, %eax
    call hex32
    call space
    mov $7, %eax
    xor %ecx, %ecx
    cpuid
    mov %ebx, %eax
    call hex32
    call space
    mov $0x80000001, %eax
    cpuid
    mov %ecx, %eax
    call hex32
    mov $0x0a, %al
    call putc
    mov $0xf4, %dx
    mov $0x10, %al
    out %al, %dx
halt:
    hlt
    jmp halt
putc:
    push %dx
    mov $0x3f8, %dx
    out %al, %dx
    pop %dx
    ret
puts:
    lodsb
    test %al, %al
    jz 1f
    call putc
    jmp puts
1:  ret
space:
    mov $0x20, %al
    jmp putc
hex32:
    mov $8, %cx
1:  rol $4, %eax
    push %eax
    and $0x0f, %al
    add $0x30, %al
    cmp $0x39, %al
    jbe 2f
    add $7, %al
2:  call putc
    pop %eax
    loop 1b
    ret
banner: .asciz "AGLCPU "
. = _start + 510
.byte 0x55, 0xaa

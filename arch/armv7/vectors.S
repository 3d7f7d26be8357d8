/*
 * ARMv7 exception vectors (ARM ARM B1.8.1, table B1-3), at VBAR for now. Each entry
 * goes back to SVC mode (whose stack is valid; the other modes' are not set up) and
 * reports the exception; the abort handlers proper come with the VM.
 */
#define MODE_SVC 0x13

	.text
	.arm
	.balign 32
	.globl exception_vectors
exception_vectors:
	b vector_reset
	b vector_undefined
	b vector_svc
	b vector_prefetch_abort
	b vector_data_abort
	b vector_reserved
	b vector_irq
	b vector_fiq

.macro report kind
	mov r1, lr
	cps #MODE_SVC
	mov r0, #\kind
	bl armv7_trap
	b .
.endm

vector_reset:          report 0
vector_undefined:      report 1
vector_svc:            report 2
vector_prefetch_abort: report 3
vector_data_abort:     report 4
vector_reserved:       report 5
vector_irq:            report 6
vector_fiq:            report 7

/*
 * probe.c - pagewalk's host oracle: run memory operations in real processes
 * and measure exactly the page faults of each operation.
 *
 * A probe process is a "task".  It reads one command per line from its
 * command fd (task 0: stdin; forked tasks: a FIFO whose path the fork command
 * names) and writes one result line per command to stdout, which all tasks
 * share.  Every result line starts with the task id:
 *
 *   <id> ok  min=<n> maj=<n> [key=value ...]      the operation succeeded
 *   <id> err min=<n> maj=<n> errno=<n> ename=<E>  a system call failed
 *   <id> sig min=<n> maj=<n> sig=<S> code=<C> addr=<hex>   a fault signal
 *   <id> ready pid=<n> ...                        a new task (fork/exec) is up
 *   <id> bye                                      the task calls _exit now
 *
 * min/maj are the getrusage(RUSAGE_SELF) ru_minflt/ru_majflt deltas of the
 * operation alone.  Measurement hygiene: the probe's own memory (stack,
 * globals, static buffers, TLS, the text and data of the probe, libc and
 * ld.so) is touched before the first command and again after every fork and
 * exec in both processes ("prefault"), so that the measured region only
 * faults on the memory the command is about.
 *
 * The logical count, not the TLB's: before every measured operation (outside
 * the measured interval) the probe flushes its whole TLB by MADV_DONTNEED of
 * a private 64-page dummy region kept between two PROT_NONE guard pages (x86
 * flushes the whole mm when more than tlb_single_page_flush_ceiling = 33
 * pages are zapped) and MADV_POPULATE_WRITE of it again (so the next zap has
 * pages to flush).  And each store of the touch loop is followed by a full
 * fence.  Without both, a VM whose hypervisor backs guest memory with 4 KiB
 * pages keeps fractured 4 KiB TLB entries of a read-only 2 MiB mapping;
 * after do_huge_pmd_wp_page reuses the folio (pmdp_set_access_flags: no TLB
 * flush), every stale piece costs one more, spurious, write fault
 * (huge_pmd_set_accessed), counted as a minor fault.  "touch ... natural"
 * skips the flush and the fences: the count a plain program would see.  fork write-protects private
 * pages and does not copy page tables of file mappings without an anon_vma
 * (text), so without the re-prefault the first measured step after a fork
 * would count the probe's own COW and text faults.  No malloc is used.
 *
 * Commands (numbers in decimal or 0x-hex, "-" for an absent optional value):
 *   nop                                  measure nothing (hygiene check)
 *   mmap LEN PROT FLAGS PATH OFF ADDR    PROT: r w x letters or "-";
 *                                        FLAGS: private|shared|anonymous|
 *                                        fixed|populate|noreserve|norepl
 *   munmap ADDR LEN
 *   mprotect ADDR LEN PROT
 *   madvise ADDR LEN ADVICE              dontneed free pageout willneed random
 *                                        sequential hugepage nohugepage cold
 *                                        normal remove populate_read ...
 *   msync ADDR LEN sync|async|invalidate
 *   touch ADDR LEN r|w [STRIDE [fwd|rev [natural]]] one access per page
 *                                        (per stride); a write stores 0xa5;
 *                                        natural: no TLB flush, no fences
 *   read ADDR N                          -> sum=<byte sum> data=<hex>
 *   write ADDR HEX                       copy the bytes in
 *   fill ADDR LEN BYTE                   memset
 *   brk ADDR                             raw brk(2); -> brk=<new break>
 *   sbrk INCR                            -> old=<old break> brk=<new break>
 *   stack DEPTH r|w                      access every page from the current
 *                                        frame down to DEPTH bytes below it
 *   fork ID FIFO                         child becomes task ID reading FIFO
 *   exec                                 re-exec this probe (same task id/fd)
 *   exit CODE                            _exit(CODE) after "bye"
 *   wait PID                             waitpid -> status=exit:N|signal:S
 *   mkfile PATH SIZE                     create a file by write(); page k
 *                                        holds the byte (k + 1) & 0xff
 *   fadvise PATH dontneed|willneed|random|sequential|normal   (fsync first)
 *   dropcaches                           sync; echo 1 > drop_caches
 *   mremap OLD OLDLEN NEWLEN FLAGS NEW   FLAGS: - or maymove|fixed|dontunmap;
 *                                        -> addr=<new address>
 *   mlock ADDR LEN [onfault]             mlock2(2) (mlock when no flag)
 *   munlock ADDR LEN
 *   mlockall current|future|onfault      joined by |
 *   munlockall
 *   mincore ADDR LEN                     -> vec=<one 0/1 per page> (at most 1024)
 *   clearrefs N                          write N to /proc/self/clear_refs
 *   sigmode fatal|continue               after a fault signal: die by it
 *                                        (default) or keep taking commands
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define STACK_PREFAULT (64 * 1024)     /* stack touched below the loop frame */
#define DATA_MAX (64 * 1024)           /* bytes per read/write command */
#define LINE_MAX_ (2 * DATA_MAX + 4096) /* longest command line */
#define OUT_MAX (2 * DATA_MAX + 4096)  /* longest result line */
#define MAX_OWN 256
#define FLUSH_PAGES 64                 /* > tlb_single_page_flush_ceiling (33) */

/* ---- global state: all of it is in .bss, which prefault() touches ---- */
static char inbuf[LINE_MAX_ + 1];      /* unconsumed command bytes */
static size_t inlen;
static char line[LINE_MAX_ + 1];       /* the current command */
static char out[OUT_MAX];              /* the result line being built */
static size_t outlen;
static unsigned char data[DATA_MAX];   /* read/write payload */
static char altstack[64 * 1024];       /* SIGSEGV/SIGBUS handler stack */
static char mapsbuf[256 * 1024];       /* /proc/self/maps */

static sigjmp_buf jb;
static volatile sig_atomic_t in_measure;
static volatile int sig_no, sig_code;
static volatile uintptr_t sig_addr;
static volatile unsigned long sink;    /* keeps reads from being optimised out */
static struct rusage r0, r1;

static int task_id;
static char *flush_area;               /* FLUSH_PAGES dummy pages between guards */
static int no_flush;                   /* the next measured op skips the flush */
static int cmd_fd;                     /* where this task reads commands */
static int sig_fatal = 1;

/* The probe's own mappings, recorded at startup (before any command). */
struct own_range { uintptr_t lo, hi; int readable, writable; };
static struct own_range own[MAX_OWN];
static int nown;

/* ---- output ---- */
static void out_reset(void) { outlen = 0; }

static void outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void outf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + outlen, sizeof out - outlen, fmt, ap);
    va_end(ap);
    if (n > 0)
        outlen += (size_t)n < sizeof out - outlen ? (size_t)n : sizeof out - outlen - 1;
}

static void out_flush(void)
{
    if (outlen == 0 || out[outlen - 1] != '\n')
        out[outlen++] = '\n';
    size_t off = 0;
    while (off < outlen) {
        ssize_t w = write(1, out + off, outlen - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(120);            /* the driver went away */
        off += (size_t)w;
    }
    outlen = 0;
}

/* ---- prefault: make the probe's own memory fault-free ---- */

/* Touch STACK_PREFAULT bytes of stack below the caller's frame. */
static void __attribute__((noinline)) touch_stack(void)
{
    volatile char buf[STACK_PREFAULT];
    for (size_t i = 0; i < sizeof buf; i += PAGE)
        buf[i] = 0;
    buf[sizeof buf - 1] = 0;
}

/* Record the probe's mappings from /proc/self/maps (all but vvar/vsyscall). */
static void record_own(void)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return;
    size_t len = 0;
    ssize_t n;
    while (len < sizeof mapsbuf - 1 &&
           (n = read(fd, mapsbuf + len, sizeof mapsbuf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    mapsbuf[len] = 0;
    nown = 0;
    for (char *p = mapsbuf; *p && nown < MAX_OWN;) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = 0;
        unsigned long lo, hi;
        char perms[8] = "";
        if (sscanf(p, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
            !strstr(p, "[vvar") && !strstr(p, "[vsyscall]") && perms[0] == 'r') {
            own[nown].lo = lo;
            own[nown].hi = hi;
            own[nown].readable = 1;
            own[nown].writable = perms[1] == 'w' && perms[3] == 'p';
            nown++;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
}

/* Read every page of the own mappings, and write (same value) every page of
 * the private writable ones: maps text after fork, breaks COW of our data. */
static void prefault(void)
{
    errno = 0;                     /* the TLS page */
    touch_stack();
    for (int i = 0; i < nown; i++) {
        for (uintptr_t p = own[i].lo; p < own[i].hi; p += PAGE) {
            volatile char *c = (volatile char *)p;
            if (own[i].writable) {
                char v = *c;
                *c = v;
            } else {
                sink += (unsigned char)*c;
            }
        }
    }
}

/* ---- signals ---- */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (!in_measure) {             /* the probe itself crashed: die by it */
        signal(sig, SIG_DFL);
        return;
    }
    sig_no = sig;
    sig_code = si->si_code;
    sig_addr = (uintptr_t)si->si_addr;
    in_measure = 0;
    siglongjmp(jb, 1);
}

static const char *sig_name(int s)
{
    return s == SIGSEGV ? "SIGSEGV" : s == SIGBUS ? "SIGBUS" : s == SIGKILL ? "SIGKILL"
         : s == SIGTERM ? "SIGTERM" : s == SIGABRT ? "SIGABRT" : "SIG?";
}

static const char *code_name(int s, int c)
{
    if (c == SI_KERNEL) return "SI_KERNEL";
    if (c == SI_USER) return "SI_USER";
    if (s == SIGSEGV) {
        if (c == SEGV_MAPERR) return "SEGV_MAPERR";
        if (c == SEGV_ACCERR) return "SEGV_ACCERR";
#ifdef SEGV_PKUERR
        if (c == SEGV_PKUERR) return "SEGV_PKUERR";
#endif
    }
    if (s == SIGBUS) {
        if (c == BUS_ADRERR) return "BUS_ADRERR";
        if (c == BUS_ADRALN) return "BUS_ADRALN";
        if (c == BUS_OBJERR) return "BUS_OBJERR";
#ifdef BUS_MCEERR_AR
        if (c == BUS_MCEERR_AR) return "BUS_MCEERR_AR";
#endif
    }
    return "UNKNOWN";
}

static void install_handlers(void)
{
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* ---- measurement ---- */

/* BEGIN/END bracket the measured operation; BEGIN arms siglongjmp so a fault
 * signal inside the operation lands after it.  Use as:
 *   BEGIN(); if (!sigsetjmp(jb, 1)) { op } END();                          */
/* Map the TLB-flush dummy region: FLUSH_PAGES private pages between two
 * PROT_NONE guards (so it never merges with a measured mapping). */
static void flush_setup(void)
{
    char *g = mmap(NULL, (FLUSH_PAGES + 2) * PAGE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (g == MAP_FAILED)
        return;
    if (mprotect(g + PAGE, FLUSH_PAGES * PAGE, PROT_READ | PROT_WRITE) != 0)
        return;
    flush_area = g + PAGE;
    madvise(flush_area, FLUSH_PAGES * PAGE, MADV_POPULATE_WRITE);
}

/* Flush this process's whole TLB: zapping FLUSH_PAGES present pages makes
 * the kernel flush the whole mm; then populate them again for next time. */
static void tlb_flush(void)
{
    if (!flush_area)
        return;
    madvise(flush_area, FLUSH_PAGES * PAGE, MADV_DONTNEED);
    madvise(flush_area, FLUSH_PAGES * PAGE, MADV_POPULATE_WRITE);
}

static void begin(void)
{
    sig_no = 0;
    if (!no_flush)
        tlb_flush();
    getrusage(RUSAGE_SELF, &r0);
    in_measure = 1;
}

static void end(void)
{
    in_measure = 0;
    getrusage(RUSAGE_SELF, &r1);
}

/* Start the result line: status, fault deltas, signal if one came. */
static void report(int err)
{
    out_reset();
    long dmin = r1.ru_minflt - r0.ru_minflt, dmaj = r1.ru_majflt - r0.ru_majflt;
    if (sig_no) {
        outf("%d sig min=%ld maj=%ld sig=%s code=%s addr=0x%lx", task_id, dmin, dmaj,
             sig_name(sig_no), code_name(sig_no, sig_code), (unsigned long)sig_addr);
    } else if (err) {
        outf("%d err min=%ld maj=%ld errno=%d ename=%s", task_id, dmin, dmaj, err,
             strerrorname_np(err) ? strerrorname_np(err) : "E?");
    } else {
        outf("%d ok min=%ld maj=%ld", task_id, dmin, dmaj);
    }
}

/* After a fault signal was reported: die by it, unless sigmode continue. */
static void maybe_die(void)
{
    if (sig_no && sig_fatal) {
        int s = sig_no;
        signal(s, SIG_DFL);
        raise(s);
        _exit(128 + s);
    }
}

/* ---- parsing ---- */
static char *args[8];
static int nargs;

static void split(char *s)
{
    nargs = 0;
    while (*s && nargs < 8) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        args[nargs++] = s;
        while (*s && *s != ' ')
            s++;
        if (*s)
            *s++ = 0;
    }
}

static unsigned long num(int i, unsigned long dflt)
{
    if (i >= nargs || strcmp(args[i], "-") == 0)
        return dflt;
    return strtoul(args[i], NULL, 0);
}

static const char *arg(int i) { return i < nargs ? args[i] : "-"; }

static int parse_prot(const char *s)
{
    int p = PROT_NONE;
    for (; *s; s++)
        p |= *s == 'r' ? PROT_READ : *s == 'w' ? PROT_WRITE : *s == 'x' ? PROT_EXEC : 0;
    return p;
}

static int has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; (p = strstr(p, w)); p += n)
        if ((p == s || p[-1] == '|' || p[-1] == ',') && (p[n] == 0 || p[n] == '|' || p[n] == ','))
            return 1;
    return 0;
}

static int parse_flags(const char *s)
{
    int f = has_word(s, "shared") ? MAP_SHARED : MAP_PRIVATE;
    if (has_word(s, "anonymous") || has_word(s, "anon")) f |= MAP_ANONYMOUS;
    if (has_word(s, "fixed")) f |= MAP_FIXED;
    if (has_word(s, "norepl")) f |= MAP_FIXED_NOREPLACE;
    if (has_word(s, "populate")) f |= MAP_POPULATE;
    if (has_word(s, "noreserve")) f |= MAP_NORESERVE;
    if (has_word(s, "stack")) f |= MAP_STACK;
    return f;
}

static int parse_advice(const char *s)
{
    static const struct { const char *n; int v; } t[] = {
        {"normal", MADV_NORMAL}, {"random", MADV_RANDOM}, {"sequential", MADV_SEQUENTIAL},
        {"willneed", MADV_WILLNEED}, {"dontneed", MADV_DONTNEED}, {"free", MADV_FREE},
        {"remove", MADV_REMOVE}, {"dontfork", MADV_DONTFORK}, {"dofork", MADV_DOFORK},
        {"mergeable", MADV_MERGEABLE}, {"unmergeable", MADV_UNMERGEABLE},
        {"hugepage", MADV_HUGEPAGE}, {"nohugepage", MADV_NOHUGEPAGE},
        {"wipeonfork", MADV_WIPEONFORK}, {"keeponfork", MADV_KEEPONFORK},
#ifdef MADV_COLD
        {"cold", MADV_COLD}, {"pageout", MADV_PAGEOUT},
#endif
#ifdef MADV_POPULATE_READ
        {"populate_read", MADV_POPULATE_READ}, {"populate_write", MADV_POPULATE_WRITE},
#endif
        {"collapse", 25 /* MADV_COLLAPSE */},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(s, t[i].n) == 0)
            return t[i].v;
    return -1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* ---- reading commands ---- */

/* Next line from cmd_fd into line[]; 0 on EOF. */
static int next_line(void)
{
    for (;;) {
        char *nl = memchr(inbuf, '\n', inlen);
        if (nl) {
            size_t n = (size_t)(nl - inbuf);
            memcpy(line, inbuf, n);
            line[n] = 0;
            memmove(inbuf, nl + 1, inlen - n - 1);
            inlen -= n + 1;
            return 1;
        }
        if (inlen >= LINE_MAX_)
            inlen = 0;             /* overlong line: drop it */
        ssize_t r = read(cmd_fd, inbuf + inlen, LINE_MAX_ - inlen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        inlen += (size_t)r;
    }
}

/* ---- commands ---- */
static char self_exe[4096];

/* Operands of the measured operations (globals, so siglongjmp cannot
 * clobber them; see measured()). */
static uintptr_t op_a;
static unsigned long op_n, op_stride, op_depth;
static int op_w, op_rev, op_byte, op_natural;

/* Run fn as the measured operation; a fault signal inside it ends it. */
static void measured(void (*fn)(void))
{
    begin();
    if (!sigsetjmp(jb, 1))
        fn();
    end();
}

/* op_n accesses: op_a, then every op_stride boundary after it. */
static void op_touch(void)
{
    uintptr_t base = op_stride == PAGE ? (op_a & ~(PAGE - 1)) : op_a;
    unsigned long acc = 0;
    for (unsigned long i = 0; i < op_n; i++) {
        unsigned long k = op_rev ? op_n - 1 - i : i;
        uintptr_t p = k == 0 ? op_a : base + k * op_stride;
        volatile unsigned char *c = (volatile unsigned char *)p;
        if (op_w) {
            *c = 0xa5;
            if (!op_natural)       /* no younger store runs ahead of this one */
                __atomic_thread_fence(__ATOMIC_SEQ_CST);
        } else {
            acc += *c;
        }
    }
    sink = acc;
}

static void cmd_touch(void)
{
    op_a = num(1, 0);
    unsigned long len = num(2, 0);
    op_w = arg(3)[0] == 'w';
    op_stride = num(4, PAGE);
    op_rev = strcmp(arg(5), "rev") == 0;
    op_natural = strcmp(arg(6), "natural") == 0;
    if (op_stride == 0)
        op_stride = PAGE;
    uintptr_t base = op_stride == PAGE ? (op_a & ~(PAGE - 1)) : op_a;
    op_n = len ? (op_a + len - 1 - base) / op_stride + 1 : 0;
    no_flush = op_natural;
    measured(op_touch);
    no_flush = 0;
    report(0);
    outf(" n=%lu", op_n);
}

static void op_read(void) { memcpy(data, (const void *)op_a, op_n); }
static void op_write(void) { memcpy((void *)op_a, data, op_n); }
static void op_fill(void) { memset((void *)op_a, op_byte, op_n); }

static unsigned long parse_mremap_flags(const char *s)
{
    unsigned long f = 0;
    if (strstr(s, "maymove"))
        f |= MREMAP_MAYMOVE;
    if (strstr(s, "fixed"))
        f |= MREMAP_FIXED;
    if (strstr(s, "dontunmap"))
        f |= 4;                    /* MREMAP_DONTUNMAP */
    return f;
}

static void cmd_mremap(void)
{
    void *old = (void *)num(1, 0), *want = (void *)num(5, 0);
    unsigned long olen = num(2, 0), nlen = num(3, 0), fl = parse_mremap_flags(arg(4));
    begin();
    void *p = (void *)syscall(SYS_mremap, old, olen, nlen, fl, want);
    int err = p == MAP_FAILED ? errno : 0;
    end();
    report(err);
    if (!err)
        outf(" addr=0x%lx", (unsigned long)p);
}

static void cmd_mlock(const char *c)
{
    void *a = (void *)num(1, 0);
    size_t len = num(2, 0);
    long r;
    begin();
    if (c[0] == 'm' && c[1] == 'l')
        r = syscall(SYS_mlock2, a, len, strcmp(arg(3), "onfault") == 0 ? 1 /* MLOCK_ONFAULT */ : 0);
    else
        r = munlock(a, len);
    int err = r < 0 ? errno : 0;
    end();
    report(err);
}

static void cmd_mlockall(const char *c)
{
    int fl = 0;
    long r;
    if (strstr(arg(1), "current"))
        fl |= MCL_CURRENT;
    if (strstr(arg(1), "future"))
        fl |= MCL_FUTURE;
    if (strstr(arg(1), "onfault"))
        fl |= 4;                   /* MCL_ONFAULT */
    begin();
    r = c[1] == 'l' ? mlockall(fl) : munlockall();
    int err = r < 0 ? errno : 0;
    end();
    report(err);
}

static void cmd_mincore(void)
{
    static unsigned char vec[1024];
    void *a = (void *)num(1, 0);
    size_t len = num(2, 0);
    if ((len + PAGE - 1) / PAGE > sizeof vec) {
        report(EINVAL);
        return;
    }
    begin();
    int err = mincore(a, len, vec) < 0 ? errno : 0;
    end();
    report(err);
    if (!err) {
        outf(" vec=");
        for (size_t i = 0; i < (len + PAGE - 1) / PAGE; i++)
            outf("%d", vec[i] & 1);
    }
}

static void cmd_clearrefs(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    int err = 0;
    if (fd < 0) {
        report(errno);
        return;
    }
    begin();
    if (write(fd, arg(1), strlen(arg(1))) < 0)
        err = errno;
    end();
    close(fd);
    report(err);
}

static void cmd_read(void)
{
    op_a = num(1, 0);
    op_n = num(2, 0);
    if (op_n > DATA_MAX) {
        report(EINVAL);
        return;
    }
    measured(op_read);
    report(0);
    if (!sig_no) {
        unsigned long sum = 0;
        for (unsigned long i = 0; i < op_n; i++)
            sum += data[i];
        outf(" sum=%lu data=", sum);
        for (unsigned long i = 0; i < op_n && outlen + 3 < sizeof out; i++)
            outf("%02x", data[i]);
    }
}

static void cmd_write(void)
{
    op_a = num(1, 0);
    const char *h = arg(2);
    op_n = 0;
    for (; h[0] && h[1] && op_n < DATA_MAX; h += 2)
        data[op_n++] = (unsigned char)(hexval(h[0]) * 16 + hexval(h[1]));
    measured(op_write);
    report(0);
    outf(" n=%lu", op_n);
}

static void cmd_fill(void)
{
    op_a = num(1, 0);
    op_n = num(2, 0);
    op_byte = (int)num(3, 0);
    measured(op_fill);
    report(0);
}

/* Access every page from the page below this frame down to op_depth. */
static void __attribute__((noinline)) op_stack(void)
{
    uintptr_t top = (uintptr_t)__builtin_frame_address(0) & ~(PAGE - 1);
    unsigned long acc = 0;
    op_a = top;
    for (unsigned long off = PAGE; off <= op_depth; off += PAGE) {
        volatile unsigned char *c = (volatile unsigned char *)(top - off);
        if (op_w) {
            *c = 0;
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
        } else {
            acc += *c;
        }
    }
    sink = acc;
}

static void cmd_stack(void)
{
    op_depth = num(1, 0);
    op_w = arg(2)[0] == 'w';
    measured(op_stack);
    report(0);
    outf(" top=0x%lx", (unsigned long)op_a);
}

static void cmd_fork(void)
{
    int child_id = (int)num(1, 0);
    const char *fifo = arg(2);
    begin();
    pid_t pid = fork();
    if (pid == 0) {
        /* child: a fresh task with its own (zero) rusage counters */
        in_measure = 0;
        task_id = child_id;
        if (cmd_fd > 2)
            close(cmd_fd);
        inlen = 0;
        prefault();
        cmd_fd = open(fifo, O_RDONLY);
        prefault();
        out_reset();
        outf("%d ready pid=%d", task_id, (int)getpid());
        out_flush();
        return;
    }
    int err = pid < 0 ? errno : 0;
    end();
    prefault();                    /* break COW on our own pages, unmeasured */
    report(err);
    outf(" pid=%d", (int)pid);
}

static void cmd_exec(void)
{
    char a_task[32], a_fd[32], a_min[32], a_maj[32];
    getrusage(RUSAGE_SELF, &r0);
    snprintf(a_task, sizeof a_task, "%d", task_id);
    snprintf(a_fd, sizeof a_fd, "%d", cmd_fd);
    snprintf(a_min, sizeof a_min, "%ld", r0.ru_minflt);
    snprintf(a_maj, sizeof a_maj, "%ld", r0.ru_majflt);
    int fl = fcntl(cmd_fd, F_GETFD);
    if (fl >= 0)
        fcntl(cmd_fd, F_SETFD, fl & ~FD_CLOEXEC);
    char *argv[] = { self_exe, "--task", a_task, "--fd", a_fd, "--pre", a_min, a_maj, NULL };
    execv(self_exe, argv);
    int err = errno;
    r1 = r0;
    report(err);
}

static void cmd_wait(void)
{
    pid_t pid = (pid_t)num(1, (unsigned long)-1);
    int st = 0;
    begin();
    pid_t r = waitpid(pid, &st, 0);
    int err = r < 0 ? errno : 0;
    end();
    report(err);
    if (r > 0) {
        if (WIFEXITED(st))
            outf(" status=exit:%d", WEXITSTATUS(st));
        else if (WIFSIGNALED(st))
            outf(" status=signal:%s", sig_name(WTERMSIG(st)));
        else
            outf(" status=raw:%d", st);
    }
}

static void cmd_mkfile(void)
{
    const char *path = arg(1);
    unsigned long size = num(2, 0);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) {
        r1 = r0;
        report(errno);
        return;
    }
    int err = 0;
    for (unsigned long off = 0; off < size && !err;) {
        unsigned long n = size - off < DATA_MAX ? size - off : DATA_MAX;
        for (unsigned long i = 0; i < n; i++)
            data[i] = (unsigned char)(((off + i) / PAGE + 1) & 0xff);
        ssize_t w = write(fd, data, n);
        if (w <= 0)
            err = errno ? errno : EIO;
        else
            off += (unsigned long)w;
    }
    close(fd);
    r1 = r0;
    report(err);
}

static void cmd_fadvise(void)
{
    const char *path = arg(1), *adv = arg(2);
    int a = strcmp(adv, "dontneed") == 0 ? POSIX_FADV_DONTNEED
          : strcmp(adv, "willneed") == 0 ? POSIX_FADV_WILLNEED
          : strcmp(adv, "random") == 0 ? POSIX_FADV_RANDOM
          : strcmp(adv, "sequential") == 0 ? POSIX_FADV_SEQUENTIAL : POSIX_FADV_NORMAL;
    int fd = open(path, O_RDONLY);
    int err = 0;
    begin();
    if (fd < 0) {
        err = errno;
    } else {
        fsync(fd);
        err = posix_fadvise(fd, 0, 0, a);
        close(fd);
    }
    end();
    report(err);
}

static void cmd_dropcaches(void)
{
    sync();
    int err = 0;
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "1\n", 2) != 2)
        err = errno ? errno : EIO;
    if (fd >= 0)
        close(fd);
    r1 = r0;
    report(err);
}

static void dispatch(void)
{
    split(line);
    if (nargs == 0)
        return;
    const char *c = args[0];
    r0.ru_minflt = r0.ru_majflt = r1.ru_minflt = r1.ru_majflt = 0;
    sig_no = 0;

    if (!strcmp(c, "nop")) {
        begin();
        end();
        report(0);
    } else if (!strcmp(c, "mmap")) {
        unsigned long len = num(1, 0);
        int prot = parse_prot(arg(2)), flags = parse_flags(arg(3));
        const char *path = arg(4);
        off_t off = (off_t)num(5, 0);
        void *hint = (void *)num(6, 0);
        int fd = -1, err = 0;
        if (strcmp(path, "-") != 0) {
            flags &= ~MAP_ANONYMOUS;
            int mode = (prot & PROT_WRITE) && (flags & MAP_SHARED) ? O_RDWR : O_RDONLY;
            fd = open(path, mode);
            if (fd < 0) {
                report(errno);
                goto done;
            }
        }
        begin();
        void *p = mmap(hint, len, prot, flags, fd, off);
        if (p == MAP_FAILED)
            err = errno;
        end();
        if (fd >= 0)
            close(fd);
        report(err);
        if (!err)
            outf(" addr=0x%lx", (unsigned long)p);
    } else if (!strcmp(c, "munmap") || !strcmp(c, "mprotect") || !strcmp(c, "madvise") ||
               !strcmp(c, "msync")) {
        void *a = (void *)num(1, 0);
        size_t len = num(2, 0);
        int r, err;
        int adv = c[1] == 'a' ? parse_advice(arg(3)) : 0;
        int prot = parse_prot(arg(3));
        int ms = !strcmp(arg(3), "async") ? MS_ASYNC
               : !strcmp(arg(3), "invalidate") ? MS_INVALIDATE : MS_SYNC;
        if (c[1] == 'a' && adv < 0) {
            report(EINVAL);
            goto done;
        }
        begin();
        if (c[1] == 'u')
            r = munmap(a, len);
        else if (c[1] == 'p')
            r = mprotect(a, len, prot);
        else if (c[1] == 'a')
            r = madvise(a, len, adv);
        else
            r = msync(a, len, ms);
        err = r < 0 ? errno : 0;
        end();
        report(err);
    } else if (!strcmp(c, "touch")) {
        cmd_touch();
    } else if (!strcmp(c, "read")) {
        cmd_read();
    } else if (!strcmp(c, "write")) {
        cmd_write();
    } else if (!strcmp(c, "fill")) {
        cmd_fill();
    } else if (!strcmp(c, "brk") || !strcmp(c, "sbrk")) {
        int err = 0;
        long cur = syscall(SYS_brk, 0), want, got;
        want = c[0] == 's' ? cur + (long)num(1, 0) : (long)num(1, 0);
        begin();
        got = syscall(SYS_brk, want);
        end();
        if (want != 0 && got != want)
            err = ENOMEM;
        report(err);
        outf(" old=0x%lx brk=0x%lx", (unsigned long)cur, (unsigned long)got);
    } else if (!strcmp(c, "stack")) {
        cmd_stack();
    } else if (!strcmp(c, "fork")) {
        cmd_fork();
        if (outlen == 0)
            return;                /* the child: already said "ready" */
    } else if (!strcmp(c, "exec")) {
        cmd_exec();
    } else if (!strcmp(c, "exit")) {
        out_reset();
        outf("%d bye", task_id);
        out_flush();
        _exit((int)num(1, 0));
    } else if (!strcmp(c, "wait")) {
        cmd_wait();
    } else if (!strcmp(c, "mkfile")) {
        cmd_mkfile();
    } else if (!strcmp(c, "fadvise")) {
        cmd_fadvise();
    } else if (!strcmp(c, "dropcaches")) {
        cmd_dropcaches();
    } else if (!strcmp(c, "mremap")) {
        cmd_mremap();
    } else if (!strcmp(c, "mlock") || !strcmp(c, "munlock")) {
        cmd_mlock(c);
    } else if (!strcmp(c, "mlockall") || !strcmp(c, "munlockall")) {
        cmd_mlockall(c);
    } else if (!strcmp(c, "mincore")) {
        cmd_mincore();
    } else if (!strcmp(c, "clearrefs")) {
        cmd_clearrefs();
    } else if (!strcmp(c, "sigmode")) {
        sig_fatal = strcmp(arg(1), "continue") != 0;
        report(0);
    } else {
        out_reset();
        outf("%d err min=0 maj=0 errno=%d ename=EINVAL unknown=%s", task_id, EINVAL, c);
    }
done:
    out_flush();
    maybe_die();
}

int main(int argc, char **argv)
{
    long pre_min = -1, pre_maj = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--task") && i + 1 < argc)
            task_id = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fd") && i + 1 < argc)
            cmd_fd = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pre") && i + 2 < argc) {
            pre_min = atol(argv[++i]);
            pre_maj = atol(argv[++i]);
        }
    }
    struct rusage start;
    getrusage(RUSAGE_SELF, &start);
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n > 0)
        self_exe[n] = 0;
    struct rlimit nocore = { 0, 0 };
    setrlimit(RLIMIT_CORE, &nocore);
    install_handlers();
    touch_stack();
    record_own();
    prefault();
    flush_setup();                 /* after record_own: not one of "own" */

    out_reset();
    outf("%d ready pid=%d", task_id, (int)getpid());
    if (pre_min >= 0)              /* after exec: the faults of exec + startup */
        outf(" exec_min=%ld exec_maj=%ld", start.ru_minflt - pre_min,
             start.ru_majflt - pre_maj);
    out_flush();
    while (next_line())
        dispatch();
    return 0;
}

/* CPU lists as systemd's CPUAffinity= and taskset -c take them
 * (systemd.exec(5)): CPU indexes and lo-hi ranges, separated by commas or
 * spaces ("0-7,16-23"). The `cpu_affinity` key; its unit line, llama.cpp's
 * --cpu-mask and the thread count derive from one parse. */
#ifndef INFRAC_CPU_LIST_H
#define INFRAC_CPU_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPU_LIST_MAX 4096 /* CPUs: systemd's own CPU_SET limit is 8192 */

typedef struct cpu_list {
    uint64_t bits[CPU_LIST_MAX / 64];
    uint32_t count;  /* CPUs in the set */
    uint32_t highest; /* the largest CPU index (valid when count > 0) */
} cpu_list;

/* false with a reason in err (a bad word, a range lo > hi, a CPU at or
 * above CPU_LIST_MAX, an empty list). */
bool cpu_list_parse(const char *text, cpu_list *out, char *err, size_t errlen);
/* "0-7 16-23": ranges, space-separated, as CPUAffinity= writes it. */
void cpu_list_format(const cpu_list *l, char *buf, size_t n);
/* The set as a hex mask without 0x, CPU 0 the lowest bit (llama.cpp -C). */
void cpu_list_hex_mask(const cpu_list *l, char *buf, size_t n);

#endif

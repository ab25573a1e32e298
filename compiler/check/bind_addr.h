/* Bind addresses, as the port and exposure checks understand them. */
#ifndef INFRAC_BIND_ADDR_H
#define INFRAC_BIND_ADDR_H

#include <stdbool.h>
#include <stdint.h>

typedef enum bind_kind { BIND_V4, BIND_V6, BIND_LOCALHOST, BIND_NAME } bind_kind;

typedef struct bind_addr {
    bind_kind kind;
    bool any;            /* 0.0.0.0 or :: */
    uint8_t bytes[16];
    const char *text;
} bind_addr;

bind_addr bind_addr_parse(const char *text);
/* 127.0.0.0/8, ::1, localhost. */
bool bind_addr_is_loopback(const bind_addr *a);
/* Could two sockets on these addresses collide on one port? */
bool bind_addr_overlap(const bind_addr *x, const bind_addr *y);

#endif

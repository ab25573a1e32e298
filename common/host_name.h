/* What may be named as a served Host: the engine's --allow-host and the
 * fleet's allow_hosts take the same names (issue 15 finding 3). */
#ifndef INFRAC_HOST_NAME_H
#define INFRAC_HOST_NAME_H

#include <stdbool.h>

/* True when s is a DNS name (letters, digits, '-', '.', at most 253) or an
 * IPv4/IPv6 address, without port or brackets. */
bool host_name_valid(const char *s);

/* True when addr (an IP address or `localhost`, no brackets) is loopback:
 * 127.0.0.0/8, ::1 or localhost. */
bool host_is_loopback(const char *addr);

/* True when s is what systemd's IPAddressAllow= takes for one peer: an
 * IPv4/IPv6 address, optionally with a /prefix (0-32, 0-128), or one of the
 * keywords localhost, link-local, multicast (systemd.resource-control(5)).
 * `any` is refused: allowing every peer is leaving the key out. */
bool ip_network_valid(const char *s);

/* True when s is an RFC 1123 label as Kubernetes names objects and
 * namespaces: 1-63 lowercase letters, digits and '-', neither first nor
 * last a '-' (kubernetes.io "Object Names and IDs", DNS label names). */
bool dns_label_valid(const char *s);

#endif

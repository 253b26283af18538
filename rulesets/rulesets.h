/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rulesets — one rule model (IR) for firewall rulesets, filled by ingesters:
 * nft live over netlink (libnftnl/libmnl), nft JSON (jansson), nft text
 * (loaded in a private namespace and read back), iptables-save.
 *
 * Not built yet: it arrives with `sanso verify`.  The header exists so the
 * component layout is fixed from the start.
 */
#pragma once

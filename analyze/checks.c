/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The check catalogue of docs/checks.md: IDs, severities, and the
 * requirement each one stands on, in the words of the municipal policies
 * built on 総務省「地方公共団体における情報セキュリティポリシーに関するガイドライン」
 * (clause numbers as in 神戸市情報セキュリティ対策基準).
 */
#include <errno.h>
#include <string.h>

#include <stdio.h>

#include "analyze.h"

struct check_info {
	const char *id;
	enum an_severity severity;
	const char *requirement;
	const char *gloss;
	bool station;
};

static const struct check_info checks[_AN_CHECK_MAX] = {
	[AN_CHECK_MYNUMBER_INTERNET] = {
		"MYNUMBER-INTERNET", AN_SEV_CRITICAL,
		"マイナンバー利用事務系と他の領域との分離; 外部接続先もインターネットと接続不可 (5.1 ア)",
		"the My Number tier must never talk to the Internet tier or the Internet", false },
	[AN_CHECK_MYNUMBER_ISOLATION] = {
		"MYNUMBER-ISOLATION", AN_SEV_CRITICAL,
		"マイナンバー利用事務系と他の領域との分離 (5.1 ア)",
		"the My Number tier is isolated; only approved exceptions may cross", false },
	[AN_CHECK_EXCEPTION_MISMATCH] = {
		"EXCEPTION-MISMATCH", AN_SEV_HIGH,
		"通信経路の限定 (MAC/IP アドレス), アプリケーションプロトコル (ポート番号) の限定 (5.1 ア)",
		"an exception must be pinned by MAC, IP address and port", false },
	[AN_CHECK_REMOTE_TO_MYNUMBER] = {
		"REMOTE-TO-MYNUMBER", AN_SEV_CRITICAL,
		"執務区域外からのマイナンバー利用事務系への接続制限 (6.3.8)",
		"no access to the My Number tier from outside the office", false },
	[AN_CHECK_LGWAN_INTERNET] = {
		"LGWAN-INTERNET", AN_SEV_CRITICAL,
		"LGWAN接続系とインターネット接続系の通信経路の分割 (5.2 ア)",
		"the LGWAN and Internet tiers are separated except through sanitizing paths", false },
	[AN_CHECK_SANITIZER_BYPASS] = {
		"SANITIZER-BYPASS", AN_SEV_HIGH,
		"無害化通信 (5.2 イ)",
		"data entering LGWAN from the Internet tier must pass the sanitizer", false },
	[AN_CHECK_INBOUND_FROM_INTERNET] = {
		"INBOUND-FROM-INTERNET", AN_SEV_HIGH,
		"インターネットを介した外部からのアクセスの原則禁止 (8.2.2 オ)",
		"no access from the Internet into internal networks unless published", false },
	[AN_CHECK_UNDECLARED_CROSSING] = {
		"UNDECLARED-CROSSING", AN_SEV_MEDIUM,
		"ネットワークの分離と必要な通信のみの許可 (5.4)",
		"every crossing into or out of an additional tier must be declared", false },
	[AN_CHECK_FIREWALL_BYPASS] = {
		"FIREWALL-BYPASS", AN_SEV_CRITICAL,
		"マイナンバー利用事務系と他の領域との分離 (5.1 ア) / 通信経路の分割 (5.2 ア), ファイアウォールの設定管理 (8.1.9)",
		"a connection the firewall's ruleset drops was established across its zones: the running ruleset differs, or traffic goes around the firewall", false },
	[AN_CHECK_FIREWALL_ATTEMPT_PASSED] = {
		"FIREWALL-ATTEMPT-PASSED", AN_SEV_HIGH,
		"ファイアウォール設定の不整合の確認 (8.1.9 イ)",
		"a first packet the ruleset drops was seen leaving the firewall: the running ruleset is not the one given", false },
	[AN_CHECK_FLOW_UNUSED] = {
		"FLOW-UNUSED", AN_SEV_LOW,
		"通信経路は必要最小限とすること (5.1 ア)",
		"a declared exception or sanitizer flow no connection used in the captured period: review whether it is needed", false },
	[AN_CHECK_DUAL_HOMED] = {
		"DUAL-HOMED", AN_SEV_CRITICAL,
		"マイナンバー利用事務系と他の領域との分離 (5.1 ア) / LGWAN接続系とインターネット接続系の分割 (5.2 ア)",
		"one device with a leg in two tiers bridges them", true },
	[AN_CHECK_ADDRESS_SPOOF] = {
		"ADDRESS-SPOOF", AN_SEV_HIGH,
		"機器固有情報による端末の自動識別 (8.2.4)",
		"a declared host's address used by another device", true },
	[AN_CHECK_VLAN_MISMATCH] = {
		"VLAN-MISMATCH", AN_SEV_MEDIUM,
		"ネットワークの管理 (6.3)",
		"a tier's addresses seen on another tier's VLAN", true },
	[AN_CHECK_UNKNOWN_DEVICE] = {
		"UNKNOWN-DEVICE", AN_SEV_MEDIUM,
		"機器構成の変更の制限 (8.1.20), 機器固有情報による端末の自動識別 (8.2.4)",
		"an unregistered device on a My Number or LGWAN segment", true },
	[AN_CHECK_RULESET_MYNUMBER_OPEN] = {
		"RULESET-MYNUMBER-OPEN", AN_SEV_CRITICAL,
		"マイナンバー利用事務系と他の領域との分離 (5.1 ア)",
		"a firewall opens the My Number boundary beyond the approved exceptions", false },
	[AN_CHECK_RULESET_LGWAN_INTERNET_OPEN] = {
		"RULESET-LGWAN-INTERNET-OPEN", AN_SEV_CRITICAL,
		"LGWAN接続系とインターネット接続系の通信経路の分割 (5.2 ア)",
		"a firewall opens LGWAN↔Internet beyond the sanitizing and screen-transfer paths", false },
	[AN_CHECK_RULESET_INBOUND_OPEN] = {
		"RULESET-INBOUND-OPEN", AN_SEV_HIGH,
		"インターネットを介した外部からのアクセスの原則禁止 (8.2.2 オ)",
		"a firewall accepts connections from the Internet beyond the published services", false },
	[AN_CHECK_RULESET_EXCEPTION_TOO_BROAD] = {
		"RULESET-EXCEPTION-TOO-BROAD", AN_SEV_HIGH,
		"通信経路の限定 (MAC/IP アドレス), アプリケーションプロトコル (ポート番号) の限定 (5.1 ア)",
		"the rule carrying an exception accepts more than the exception", false },
	[AN_CHECK_RULESET_EXCEPTION_NO_MAC] = {
		"RULESET-EXCEPTION-NO-MAC", AN_SEV_LOW,
		"通信経路の限定 (MAC/IP アドレス) (5.1 ア) — IP アドレスで限定済み、MAC アドレスでも限定できる",
		"the rule carrying an exception pins addresses and ports but not the source MAC, where it could", false },
	[AN_CHECK_RULESET_SHADOWED] = {
		"RULESET-SHADOWED", AN_SEV_LOW,
		"ファイアウォール設定の不整合の確認 (8.1.9 イ)",
		"a rule can never match: earlier rules cover it", false },
	[AN_CHECK_RULESET_FLOW_BLOCKED] = {
		"RULESET-FLOW-BLOCKED", AN_SEV_LOW,
		"ファイアウォール設定の不整合の確認 (8.1.9 イ)",
		"a declared flow is not let through: the topology and the ruleset disagree", false },
	[AN_CHECK_RULESET_UNSUPPORTED] = {
		"RULESET-UNSUPPORTED", AN_SEV_MEDIUM,
		"ファイアウォール設定の検証 (8.1.9 イ) — 解析できない設定",
		"a construct sanso cannot model: the verdict for this firewall is approximate", false },
};

const char *an_check_id(enum an_check c)
{
	return c < _AN_CHECK_MAX ? checks[c].id : "?";
}

enum an_severity an_check_severity(enum an_check c)
{
	return c < _AN_CHECK_MAX ? checks[c].severity : AN_SEV_LOW;
}

const char *an_check_requirement(enum an_check c)
{
	return c < _AN_CHECK_MAX ? checks[c].requirement : "";
}

const char *an_check_gloss(enum an_check c)
{
	return c < _AN_CHECK_MAX ? checks[c].gloss : "";
}

bool an_check_is_ruleset(enum an_check c)
{
	return c >= AN_CHECK_RULESET_MYNUMBER_OPEN && c < _AN_CHECK_MAX;
}

bool an_check_is_review(enum an_check c)
{
	return c == AN_CHECK_FLOW_UNUSED;
}

bool an_check_is_station(enum an_check c)
{
	return c < _AN_CHECK_MAX && checks[c].station;
}

static const char *const severity_names[] = {
	[AN_SEV_LOW] = "low",
	[AN_SEV_MEDIUM] = "medium",
	[AN_SEV_HIGH] = "high",
	[AN_SEV_CRITICAL] = "critical",
};

const char *an_severity_name(enum an_severity s)
{
	return s <= AN_SEV_CRITICAL ? severity_names[s] : "?";
}

int an_severity_parse(const char *s, enum an_severity *ret)
{
	for (unsigned i = 0; i <= AN_SEV_CRITICAL; i++)
		if (strcasecmp(s, severity_names[i]) == 0) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

const char *an_proto_name(uint8_t proto)
{
	static __thread char buf[4];

	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		snprintf(buf, sizeof(buf), "%u", proto);
		return buf;
	}
}

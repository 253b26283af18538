/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-line message of a finding — traffic, station or ruleset — in
 * English or Japanese (--lang ja).
 * Everything a message says is derived from the finding's data, so the
 * policy decides and this file only words; both languages say the same.
 */
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "analyze-internal.h"

static const char *mismatch_text(enum an_mismatch m, bool ja)
{
	switch (m) {
	case AN_MISMATCH_DIRECTION:
		return ja ? "逆方向に開始されている" : "it was opened in the opposite direction";
	case AN_MISMATCH_PROTO:
		return ja ? "プロトコルが宣言と異なる" : "its protocol is not the declared one";
	case AN_MISMATCH_PORT:
		return ja ? "ポートが宣言されたポートに含まれない" : "its port is not among the declared ports";
	case AN_MISMATCH_SRC_MAC:
		return ja ? "開始側の MAC アドレスが登録されたものと異なる" : "the initiator's MAC is not the pinned one";
	case AN_MISMATCH_DST_MAC:
		return ja ? "応答側の MAC アドレスが登録されたものと異なる" : "the responder's MAC is not the pinned one";
	case AN_MISMATCH_UNSANITIZED:
		return ja ? "無害化経路のサービスを無害化装置を経由せずに使っている"
			  : "it uses a sanitizing path's service without passing the sanitizer";
	case AN_MISMATCH_NONE:
	default:
		return ja ? "一致しない" : "does not match it";
	}
}

static size_t traffic_message(const struct an_finding *f, bool ja, char *buf, size_t len)
{
	char sbuf[160], dbuf[160], svc[32];
	int n;

	an_describe_endpoint(&f->src, sbuf, sizeof(sbuf));
	an_describe_endpoint(&f->dst, dbuf, sizeof(dbuf));
	an_describe_service(f->proto, f->dst.port, svc, sizeof(svc));
	/* monitoring reports a connection while it opens: no answer yet is
	 * not "never answered" */
	if (ja)
		n = snprintf(buf, len, "%s が %s へ %s の接続を%s", sbuf, dbuf, svc,
			     f->established ? "確立した"
			     : f->in_progress ? "開始した (応答待ち)"
					      : "試みた (応答なし)");
	else
		n = snprintf(buf, len, "%s %s %s to %s%s", sbuf,
			     f->established ? "opened" : f->in_progress ? "is opening" : "tried to open", svc, dbuf,
			     f->established || f->in_progress ? "" : " (never answered)");
	if (n < 0 || (size_t)n >= len || !f->near_flow)
		return 0;
	if (ja)
		snprintf(buf + n, len - n, "。宣言済みの %s フロー「%s」に似ているが、%s", topo_flow_kind_name(f->near_flow->kind),
			 f->near_flow->name, mismatch_text(f->mismatch, true));
	else
		snprintf(buf + n, len - n, "; resembles declared %s flow \"%s\" but %s",
			 topo_flow_kind_name(f->near_flow->kind), f->near_flow->name, mismatch_text(f->mismatch, false));
	return 0;
}

/* The deciding rule of a reconciled connection: "policy drop at fw.nft:3" */
static const char *deciding_rule(const struct an_finding *f, char *buf, size_t len)
{
	if (!f->n_rules)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s, %s", f->rules[f->n_rules - 1].verdict, f->rules[f->n_rules - 1].location);
	return buf;
}

/* FIREWALL-BYPASS, FIREWALL-ATTEMPT-PASSED */
static void firewall_message(const struct an_finding *f, bool ja, char *buf, size_t len)
{
	char sbuf[160], dbuf[160], svc[32], rule[600];
	const char *fw = f->fw ? f->fw->name : "?";
	const char *why;

	an_describe_endpoint(&f->src, sbuf, sizeof(sbuf));
	an_describe_endpoint(&f->dst, dbuf, sizeof(dbuf));
	an_describe_service(f->proto, f->dst.port, svc, sizeof(svc));
	deciding_rule(f, rule, sizeof(rule));
	if (f->check == AN_CHECK_FIREWALL_ATTEMPT_PASSED) {
		snprintf(buf, len,
			 ja ? "%s が %s へ %s の接続を試みました (応答なし)。ファイアウォール %s のルールセットはこれを破棄するはずですが (%s)、"
			      "最初のパケットがファイアウォールから送出されています (送信元がファイアウォールの MAC アドレス): 稼働中のルールセットは与えられたものと異なります"
			    : "%s tried to open %s to %s (never answered): firewall %s's ruleset drops it (%s), but the capture shows "
			      "its first packet leaving the firewall (sent from the firewall's MAC): the ruleset running on the firewall is not the one given",
			 sbuf, ja ? dbuf : svc, ja ? svc : dbuf, fw, rule);
		return;
	}
	switch (f->route) {
	case AN_ROUTE_AROUND:
		why = ja ? "どのパケットにもファイアウォールの MAC アドレスがありません: 通信はファイアウォールを迂回しています (配線、二重接続の端末、スイッチポートの誤設定)"
			 : "no packet carried the firewall's MAC: the traffic went around the firewall (a cable, a dual-homed host, a mis-patched switch port)";
		break;
	case AN_ROUTE_THROUGH:
		why = ja ? "パケットにファイアウォールの MAC アドレスがあります: ファイアウォールで動いているルールセットは与えられたものと異なります"
			 : "its packets carried the firewall's MAC: the ruleset running on the firewall is not the one given";
		break;
	case AN_ROUTE_UNKNOWN:
	default:
		why = ja ? "稼働中のルールセットが与えられたものと異なるか、通信がファイアウォールを迂回しています (トポロジにファイアウォールの MAC アドレスがないため判別できません)"
			 : "either the running ruleset is not the one given or the traffic goes around the firewall (the topology gives no MAC of the firewall to tell which)";
		break;
	}
	if (ja)
		snprintf(buf, len, "%s が %s へ %s の接続を確立しました。ファイアウォール %s のルールセットはこれを破棄するはずです (%s)。%s", sbuf,
			 dbuf, svc, fw, rule, why);
	else
		snprintf(buf, len, "%s opened %s to %s, which firewall %s's ruleset drops (%s); %s", sbuf, svc, dbuf, fw, rule, why);
}

static const char *endpoint_name(const struct topo_endpoint *ep, char *buf, size_t len)
{
	char ip[TOPO_ADDR_STRLEN];

	if (ep->type == TOPO_EP_HOST && ep->host)
		snprintf(buf, len, "%s", ep->host->name);
	else if (ep->area)
		snprintf(buf, len, "%s", ep->area->name);
	else
		snprintf(buf, len, "%s/%u", topo_addr_format(&ep->addr, ip), ep->prefix);
	return buf;
}

/* a change record of sanso diff */
static void change_message(const struct an_finding *f, bool ja, char *buf, size_t len)
{
	char pk[512] = "?";
	const char *fw = f->fw ? f->fw->name : "?", *a = f->src.zone ? f->src.zone->name : "?",
		   *b = f->dst.zone ? f->dst.zone->name : "?", *set = f->detail ? f->detail : "";
	const char *rule = f->n_rules ? f->rules[f->n_rules - 1].location : "?";

	if (f->has_example)
		an_describe_vpacket(&f->example, pk, sizeof(pk));
	if (f->by_topology && f->change == AN_CHANGE_OPENED && f->has_check)
		snprintf(buf, len,
			 ja ? "%s: 新しいトポロジでは %s → %s の %s は禁止されますが、ファイアウォールは通します。%s に違反します。例: %s (許可する規則: %s)"
			    : "%s: the new topology forbids %s → %s: %s, which the firewall lets through and %s forbids, e.g. %s (accepted by %s)",
			 fw, a, b, set, an_check_id(f->check), pk, rule);
	else if (f->by_topology && f->change == AN_CHANGE_OPENED)
		snprintf(buf, len,
			 ja ? "%s: 新しいトポロジでは %s → %s の %s を %s が許可します。ファイアウォールは既に通しています。例: %s (許可する規則: %s)"
			    : "%s: the new topology permits %s → %s: %s, by %s, and the firewall lets it through already, e.g. %s (accepted by %s)",
			 fw, a, b, set, f->flow ? f->flow->name : (ja ? "宣言" : "a declaration"), pk, rule);
	else if (f->by_topology && f->flow)
		snprintf(buf, len,
			 ja ? "%s: 新しいトポロジで宣言された通信 %s の %s → %s の %s を、ファイアウォールは通しません。例: %s (遮断する規則: %s)"
			    : "%s: the new topology declares flow %s, and the firewall drops it in %s → %s: %s, e.g. %s (dropped by %s)",
			 fw, f->flow->name, a, b, set, pk, rule);
	else if (f->change == AN_CHANGE_OPENED && f->has_check)
		snprintf(buf, len,
			 ja ? "%s: この変更で %s → %s の %s が新たに通ります。%s に違反します。例: %s (許可する規則: %s)"
			    : "%s: the change opens %s → %s: %s, which %s forbids, e.g. %s (accepted by %s)",
			 fw, a, b, set, an_check_id(f->check), pk, rule);
	else if (f->change == AN_CHANGE_OPENED)
		snprintf(buf, len,
			 ja ? "%s: この変更で %s → %s の %s が新たに通ります。%s (例: %s、許可する規則: %s)"
			    : "%s: the change opens %s → %s: %s, %s, e.g. %s (accepted by %s)",
			 fw, a, b, set,
			 f->flow ? (ja ? "宣言済みの通信が許可するものです" : "which a declared flow permits")
				 : (ja ? "ポリシーの対象外です" : "which the policy does not judge"),
			 pk, rule);
	else if (f->flow)
		snprintf(buf, len,
			 ja ? "%s: この変更で %s → %s の %s が通らなくなります。宣言済みの通信 %s が止まります。例: %s (変更前に許可していた規則: %s)"
			    : "%s: the change closes %s → %s: %s; declared flow %s is blocked, e.g. %s (carried before by %s)",
			 fw, a, b, set, f->flow->name, pk, rule);
	else
		snprintf(buf, len,
			 ja ? "%s: この変更で %s → %s の %s が通らなくなります (宣言済みの通信ではありません)。例: %s (変更前に許可していた規則: %s)"
			    : "%s: the change closes %s → %s: %s (no declared flow used it), e.g. %s (carried before by %s)",
			 fw, a, b, set, pk, rule);
}

/* FLOW-UNUSED */
static void unused_message(const struct an_finding *f, bool ja, char *buf, size_t len)
{
	char a[160], b[160];
	const struct topo_flow *fl = f->flow;

	if (!fl) {
		snprintf(buf, len, "%s", an_check_id(f->check));
		return;
	}
	endpoint_name(&fl->from, a, sizeof(a));
	endpoint_name(&fl->to, b, sizeof(b));
	snprintf(buf, len,
		 ja ? "宣言済みの %s フロー「%s」(%s → %s) は取得期間中どの接続にも使われていません。まだ必要か見直してください (経路は必要最小限)"
		    : "declared %s flow \"%s\" (%s → %s) was used by no connection in the captured period: review whether it is still needed (経路は必要最小限)",
		 topo_flow_kind_name(fl->kind), fl->name, a, b);
}

/* The first observation behind the check (its tag bit set). */
static const struct probe_obs *first_obs(const struct an_finding *f, uint32_t tag)
{
	for (unsigned i = 0; i < f->n_observed; i++)
		if (f->observed[i].tag & tag)
			return &f->observed[i];
	return NULL;
}

static void station_message(const struct topo_site *site, const struct an_finding *f, bool ja, char *buf,
			    size_t len)
{
	char mac[TOPO_MAC_STRLEN], ip[TOPO_ADDR_STRLEN], who[TOPO_MAC_STRLEN + 80];
	const char *zone = f->src.zone ? f->src.zone->name : "?";

	topo_mac_format(f->src.macs[0], mac);
	if (f->src.host)
		snprintf(who, sizeof(who), "%s (%s)", mac, f->src.host->name);
	else
		snprintf(who, sizeof(who), "%s", mac);
	topo_addr_format(&f->src.ip, ip);

	switch (f->check) {
	case AN_CHECK_DUAL_HOMED: {
		char zones[256] = "";
		size_t n = 0;
		int area[PROBE_STATION_OBS];
		unsigned nz = an_obs_zones(f->observed, f->n_observed, area);

		for (unsigned j = 0; j < nz && n < sizeof(zones); j++)
			n += snprintf(zones + n, sizeof(zones) - n, "%s%s", j ? ", " : "",
				      topo_site_area(site, (size_t)area[j])->name);
		if (ja)
			snprintf(buf, len, "%s が %u つのゾーン (%s) のアドレスを送信元として使った", who, nz, zones);
		else
			snprintf(buf, len, "%s sourced addresses in %u zones: %s", who, nz, zones);
		break;
	}
	case AN_CHECK_ADDRESS_SPOOF: {
		const struct topo_host *victim = topo_site_lookup_host_ip(site, &f->src.ip);
		const char *vname = victim ? victim->name : "?";

		if (ja)
			snprintf(buf, len, "%s が登録済みホスト %s のアドレス %s を使った (MAC アドレスが %s のものでない)", who,
				 vname, ip, vname);
		else
			snprintf(buf, len, "%s used %s, an address of declared host %s, whose MAC it is not", who, ip,
				 vname);
		break;
	}
	case AN_CHECK_VLAN_MISMATCH: {
		const struct topo_segment *seg = topo_site_lookup_segment(site, &f->src.ip);
		const struct probe_obs *o = first_obs(f, AN_OBS_VLAN);
		int seg_vlan = seg ? seg->vlan : -1, vlan = o ? o->vlan : -1;

		if (ja)
			snprintf(buf, len, "%s が %s (%s、VLAN %d) を VLAN %d 上で使った", who, ip, zone, seg_vlan, vlan);
		else
			snprintf(buf, len, "%s used %s (%s, VLAN %d) on VLAN %d", who, ip, zone, seg_vlan, vlan);
		break;
	}
	case AN_CHECK_UNKNOWN_DEVICE: {
		const char *kind = f->src.zone ? topo_kind_name(f->src.zone->kind) : "?";

		if (ja)
			snprintf(buf, len, "登録されていない MAC アドレス %s が %s ゾーン %s で %s を送信元として使った", mac, kind,
				 zone, ip);
		else
			snprintf(buf, len, "%s, which is no declared host's, sourced %s in %s zone %s", mac, ip, kind, zone);
		break;
	}
	default:
		snprintf(buf, len, "%s", who);
	}
}


/* "10.10.1.1 mn-pc-01", "fd00:10::1:1 mn-pc-01"; an IPv6 address with no
 * host name after it in brackets when a port follows ("[2001:db8::1]:443") */
static void describe_side(const struct topo_addr *ip, const struct topo_host *h, bool port, char *buf, size_t len)
{
	char s[TOPO_ADDR_STRLEN];

	if (h)
		snprintf(buf, len, "%s %s", topo_addr_format(ip, s), h->name);
	else if (port && ip->family == 6)
		snprintf(buf, len, "[%s]", topo_addr_format(ip, s));
	else
		snprintf(buf, len, "%s", topo_addr_format(ip, s));
}

void an_describe_vpacket(const struct an_vpacket *p, char *buf, size_t len)
{
	char s[96], d[96], o[TOPO_ADDR_STRLEN + 16] = "";

	describe_side(&p->src, p->src_host, p->dport >= 0, s, sizeof(s));
	describe_side(&p->dst, p->dst_host, p->dport >= 0, d, sizeof(d));
	/* through a dnat: sent to the original destination, reaching dst —
	 * "tcp 192.0.2.1:49152 → 198.51.100.80:8022 (dnat → 10.10.2.1 mn-srv-01:22)" */
	if (p->has_orig) {
		char a[TOPO_ADDR_STRLEN];
		topo_addr_format(&p->orig_dst, a);
		if (p->orig_dport >= 0)
			snprintf(o, sizeof(o), p->orig_dst.family == 6 ? "[%s]:%d" : "%s:%d", a, p->orig_dport);
		else
			snprintf(o, sizeof(o), "%s", a);
	}
	if (p->has_orig && p->dport >= 0)
		snprintf(buf, len, "%s %s:%d → %s (dnat → %s:%d)", an_proto_name(p->proto), s, p->sport, o, d, p->dport);
	else if (p->has_orig && p->icmp_type >= 0)
		snprintf(buf, len, "%s type %d %s → %s (dnat → %s)", an_proto_name(p->proto), p->icmp_type, s, o, d);
	else if (p->has_orig)
		snprintf(buf, len, "%s %s → %s (dnat → %s)", an_proto_name(p->proto), s, o, d);
	else if (p->dport >= 0)
		snprintf(buf, len, "%s %s:%d → %s:%d", an_proto_name(p->proto), s, p->sport, d, p->dport);
	else if (p->icmp_type >= 0)
		snprintf(buf, len, "%s type %d %s → %s", an_proto_name(p->proto), p->icmp_type, s, d);
	else
		snprintf(buf, len, "%s %s → %s", an_proto_name(p->proto), s, d);
}

static const char *zone_name(const struct topo_area *a)
{
	return a ? a->name : "?";
}

/* A ruleset finding (verify): what the firewall lets through or not, an
 * example packet, and the rule that decides it. */
static void ruleset_message(const struct an_finding *f, bool ja, char *buf, size_t len)
{
	char pk[512], mac[TOPO_MAC_STRLEN];
	const char *fw = f->fw ? f->fw->name : "?", *where = f->where ? f->where : "?";
	const char *flow = f->flow ? f->flow->name : "?", *iif = f->example.iif, *oif = f->example.oif;
	const char *first = f->n_rules ? f->rules[0].location : "?";

	an_describe_vpacket(&f->example, pk, sizeof(pk));
	topo_mac_format(f->example.smac, mac);
	switch (f->check) {
	case AN_CHECK_RULESET_MYNUMBER_OPEN:
	case AN_CHECK_RULESET_LGWAN_INTERNET_OPEN:
	case AN_CHECK_RULESET_INBOUND_OPEN:
		if (f->wording == AN_WORDING_TO_SELF)
			snprintf(buf, len,
				 ja ? "%s が %s からファイアウォール自身 (自身のアドレス、input フック) への宣言されていない新規接続を許可しています。例: %s (%s から受信)。許可している規則: %s"
				    : "%s accepts new connections from %s to itself (its own addresses, the input hook) beyond the declared service flows, e.g. %s arriving on %s; accepted by %s",
				 fw, zone_name(f->src.zone), pk, iif, where);
		else
			snprintf(buf, len,
				 ja ? "%s が %s から %s への宣言されていない新規接続を許可しています。例: %s (%s → %s)。許可している規則: %s"
				    : "%s accepts new connections from %s to %s beyond the declared flows, e.g. %s via %s → %s; accepted by %s",
				 fw, zone_name(f->src.zone), zone_name(f->dst.zone), pk, iif, oif, where);
		return;
	case AN_CHECK_RULESET_EXCEPTION_TOO_BROAD:
		snprintf(buf, len,
			 ja ? "%s: 例外 %s を通す規則がそれ以外 (%s) も許可しています。例: %s (送信元 MAC %s)。規則: %s"
			    : "%s: the rule carrying exception %s also accepts %s, e.g. %s from MAC %s; rule %s",
			 fw, flow, f->detail ? f->detail : "", pk, mac, where);
		return;
	case AN_CHECK_RULESET_EXCEPTION_NO_MAC: {
		const struct topo_endpoint *from = f->flow ? &f->flow->from : NULL;
		const struct topo_area *a = !from ? NULL : from->type == TOPO_EP_HOST ? from->host->zone : from->area;
		const char *who = from && from->type == TOPO_EP_HOST ? from->host->name : zone_name(a);
		if (ja)
			snprintf(buf, len,
				 "%s: 例外 %s を通す規則は IP アドレスとポートを限定していますが送信元 MAC を限定していません。%s の通信は %s に面した %s から届くため "
				 "ether saddr / -m mac --mac-source で限定できます。例: %s (送信元 MAC %s)。規則: %s",
				 fw, flow, who, zone_name(a), iif, pk, mac, where);
		else
			snprintf(buf, len,
				 "%s: the rule carrying exception %s pins addresses and ports but not the source MAC, though %s's packets arrive on %s, "
				 "which faces %s itself (ether saddr / -m mac --mac-source could pin it), e.g. %s from MAC %s; rule %s",
				 fw, flow, who, iif, zone_name(a), pk, mac, where);
		return;
	}
	case AN_CHECK_RULESET_FLOW_BLOCKED:
		snprintf(buf, len,
			 ja ? "%s が宣言済みの通信 %s を通しません。例: %s (%s → %s) は %s で破棄されます"
			    : "%s does not let declared flow %s through, e.g. %s via %s → %s is dropped by %s",
			 fw, flow, pk, iif, oif[0] ? oif : ja ? "自身" : "itself",
			 f->n_rules ? f->rules[f->n_rules - 1].location : "?");
		return;
	case AN_CHECK_RULESET_UNSUPPORTED:
		snprintf(buf, len,
			 ja ? "%s: %s: %s は解析できません。このファイアウォールの判定は近似です (許可する規則では一致、破棄する規則では不一致とみなしました)"
			    : "%s: %s: %s; the verdict for this firewall is approximate (assumed to match when "
			      "accepting, not to match when dropping)",
			 fw, where, f->detail ? f->detail : "");
		return;
	case AN_CHECK_RULESET_SHADOWED:
		if (f->wording == AN_WORDING_NEVER_REACHED)
			snprintf(buf, len,
				 ja ? "%s: 規則 %s はこのチェーンに届くどのパケットにも一致しません"
				    : "%s: rule %s can never match: no packet that reaches its chain "
				      "satisfies it (the rules that lead there exclude them)",
				 fw, first);
		else if (f->wording == AN_WORDING_NEVER_SATISFIED)
			snprintf(buf, len,
				 ja ? "%s: 規則 %s はどのパケットにも一致しません (条件が両立しません)"
				    : "%s: rule %s can never match: no packet satisfies all its matches",
				 fw, first);
		else if (ja)
			snprintf(buf, len, "%s: 規則 %s は前の規則にすべて先取りされ、一致することがありません%s%s%s", fw, first,
				 f->n_rules > 1 ? " (例: " : "", f->n_rules > 1 ? f->rules[1].location : "",
				 f->n_rules > 1 ? ")" : "");
		else
			snprintf(buf, len, "%s: rule %s can never match: earlier rules take every packet it would%s%s", fw, first,
				 f->n_rules > 1 ? ", e.g. " : "", f->n_rules > 1 ? f->rules[1].location : "");
		return;
	default:
		snprintf(buf, len, "%s", an_check_id(f->check));
	}
}

char *an_finding_message(const struct topo_site *site, const struct an_finding *f, bool japanese, char *buf,
			 size_t len)
{
	if (f->change != AN_CHANGE_NONE)
		change_message(f, japanese, buf, len);
	else if (an_check_is_ruleset(f->check))
		ruleset_message(f, japanese, buf, len);
	else if (an_check_is_station(f->check))
		station_message(site, f, japanese, buf, len);
	else if (f->check == AN_CHECK_FLOW_UNUSED)
		unused_message(f, japanese, buf, len);
	else if (f->check == AN_CHECK_FIREWALL_BYPASS || f->check == AN_CHECK_FIREWALL_ATTEMPT_PASSED)
		firewall_message(f, japanese, buf, len);
	else
		traffic_message(f, japanese, buf, len);
	return buf;
}

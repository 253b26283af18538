/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-line message of a finding, in English or Japanese (--lang ja).
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

char *an_finding_message(const struct topo_site *site, const struct an_finding *f, bool japanese, char *buf,
			 size_t len)
{
	if (an_check_is_station(f->check))
		station_message(site, f, japanese, buf, len);
	else
		traffic_message(f, japanese, buf, len);
	return buf;
}

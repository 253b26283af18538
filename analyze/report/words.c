/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reports' words, one table per language: the text report's labels
 * and headings (which the HTML and JUnit blocks reuse), the severities,
 * the coverage problems.  The findings' own messages are messages.c's.
 */
#include <inttypes.h>
#include <stddef.h>

#include "report-internal.h"

static const struct an_words words_en = {
	.rule = "rule      ",
	.from = "from      ",
	.to = "to        ",
	.vlan = "vlan      ",
	.when = "when      ",
	.traffic = "traffic   ",
	.frames = "frames    ",
	.wireshark = "wireshark ",
	.station = "station   ",
	.seen = "seen      ",
	.blank = "          ",
	.severity = {"LOW", "MEDIUM", "HIGH", "CRITICAL"},
	.sent_back = "%" PRIu64 " packets / %" PRIu64 " bytes sent, %" PRIu64 " packets / %" PRIu64 " bytes back",
	.established = "established",
	.attempt = "NOT established (attempt)",
	.initiator_by = "initiator by",
	.seen_line = " via %s, first %s frame %u at %s",
	.times = " (%" PRIu64 "×)",
	.title = "sanso audit — %s (model %s)",
	.capture = "  capture   %s  sha256 %s\n",
	.ruleset = "  ruleset   %s  sha256 %s\n",
	.packets = "  packets   %" PRIu64 " read, %" PRIu64 " undecoded, %" PRIu64 " connections\n\n",
	.no_findings = "No findings: no connection or station broke the three-tier separation.",
	.findings_total = "%" PRIu64 " finding%s:",
	.not_kept = "(%" PRIu64 " further findings counted but not listed: --max-findings)",
	.evidence = "evidence: %s\n",
	.period = "  period    %s → %s\n",
	.generated = "  generated %s by sanso %s\n",
	.topology = "  topology  %s  sha256 %s\n",
	.coverage = "WARNING: this audit can't vouch for the three-tier separation (exit status 4 unless --allow-empty):\n",
	.zones_not_seen = "  zones never seen: %s\n",
	.vlans_seen = "  VLANs seen: %s\n",
	.no_findings_unjudged = "No findings — but the captures showed too little to judge (see the warning above).",
};

static const struct an_words words_ja = {
	.rule = "要件      ",
	.from = "開始側    ",
	.to = "応答側    ",
	.vlan = "VLAN      ",
	.when = "日時      ",
	.traffic = "通信量    ",
	.frames = "フレーム  ",
	.wireshark = "Wireshark ",
	.station = "端末      ",
	.seen = "観測      ",
	.blank = "          ",
	.severity = {"低", "中", "高", "重大"},
	.sent_back = "送信 %" PRIu64 " パケット / %" PRIu64 " バイト、応答 %" PRIu64 " パケット / %" PRIu64 " バイト",
	.established = "確立済み",
	.attempt = "未確立 (接続の試行)",
	.initiator_by = "開始側の判定",
	.seen_line = " (%s)、初回 %s フレーム %u、%s",
	.times = " (%" PRIu64 " 回)",
	.title = "sanso 監査 — %s (モデル %s)",
	.capture = "  キャプチャ %s  sha256 %s\n",
	.ruleset = "  ルールセット %s  sha256 %s\n",
	.packets = "  パケット   %" PRIu64 " 読み込み、%" PRIu64 " 解析不能、%" PRIu64 " 接続\n\n",
	.no_findings = "指摘なし: 三層分離を破る接続・端末はありませんでした。",
	.findings_total = "指摘 %" PRIu64 " 件%s:",
	.not_kept = "(ほかに %" PRIu64 " 件を集計のみ: --max-findings)",
	.evidence = "証跡: %s\n",
	.period = "  期間       %s → %s\n",
	.generated = "  作成       %s (sanso %s)\n",
	.topology = "  トポロジ   %s  sha256 %s\n",
	.coverage = "警告: この監査では三層分離が保たれていることを確認できません (--allow-empty なしでは終了ステータス 4):\n",
	.zones_not_seen = "  観測されなかったゾーン: %s\n",
	.vlans_seen = "  観測された VLAN: %s\n",
	.no_findings_unjudged = "指摘なし — ただしキャプチャの内容が少なすぎて判断できません (上の警告を参照)。",
};

const struct an_words *an_words(bool japanese)
{
	return japanese ? &words_ja : &words_en;
}

const char *an_severity_heading(enum an_severity s, bool japanese)
{
	return an_words(japanese)->severity[s];
}

const struct an_coverage_word an_coverage_words[] = {
	{AN_COV_NO_PACKETS, "no-packets", "the captures hold no packet", "キャプチャにパケットがありません"},
	{AN_COV_NO_CONNECTIONS, "no-connections",
	 "no IP connection was analysed (every frame undecodable, not IP, or outside the -f filter)",
	 "IP 接続を一つも解析できませんでした (すべてのフレームが解析不能、IP 以外、または -f フィルタの対象外)"},
	{AN_COV_LOW_DECODE, "low-decode", "fewer than half of the frames could be decoded",
	 "解析できたフレームが半数未満です"},
	{AN_COV_NO_ZONE, "no-zone", "no station of any of the site's zones was seen: is the capture from this site?",
	 "サイトのどのゾーンの端末も観測されませんでした (このサイトのキャプチャですか)"},
};

const size_t an_n_coverage_words = sizeof(an_coverage_words) / sizeof(an_coverage_words[0]);

const char *an_coverage_problem(unsigned bit, bool japanese)
{
	for (size_t i = 0; i < an_n_coverage_words; i++)
		if (an_coverage_words[i].bit == bit)
			return japanese ? an_coverage_words[i].ja : an_coverage_words[i].en;
	return "?";
}

// The names of every metric the core emits, as constants: a misspelt name
// is a compile error, and this file is the one list of what a node counts
// (docs and dashboards read it). Names follow Go memberlist's where Go has
// the metric ("memberlist.msg.suspect", "memberlist.degraded.probe").
//
// Core code never spells a metric as a string literal
// (tools/check_core_size.sh checks it): it passes these to Metrics.
#ifndef SWIM_CORE_METRIC_NAMES_H_
#define SWIM_CORE_METRIC_NAMES_H_

#include <string_view>

namespace swim {

// A metric name from the table below.
struct MetricName {
  std::string_view str;
};

namespace metric {

#define SWIM_METRIC(id, text) \
  inline constexpr MetricName id { text }

// --- traffic ---------------------------------------------------------------
SWIM_METRIC(kUdpSent, "memberlist.udp.sent");          // bytes
SWIM_METRIC(kUdpReceived, "memberlist.udp.received");  // bytes
SWIM_METRIC(kUdpPacketsSent, "memberlist.udp.packets_sent");
SWIM_METRIC(kUdpPacketsReceived, "memberlist.udp.packets_received");
SWIM_METRIC(kTcpSent, "memberlist.tcp.sent");          // bytes
SWIM_METRIC(kTcpReceived, "memberlist.tcp.received");  // bytes
SWIM_METRIC(kTcpAccept, "memberlist.tcp.accept");
SWIM_METRIC(kTcpConnect, "memberlist.tcp.connect");
SWIM_METRIC(kTcpPushPullIn, "memberlist.tcp.push_pull_in");
SWIM_METRIC(kGossip, "memberlist.gossip");
SWIM_METRIC(kJoinSync, "memberlist.join_sync");  // attempts
SWIM_METRIC(kJoinSyncFailed, "memberlist.join_sync_failed");
SWIM_METRIC(kJoinCatchUp, "memberlist.join_catch_up");  // pulls started

// --- state changes -----------------------------------------------------------
SWIM_METRIC(kMsgAlive, "memberlist.msg.alive");
SWIM_METRIC(kMsgSuspect, "memberlist.msg.suspect");
SWIM_METRIC(kMsgDead, "memberlist.msg.dead");
SWIM_METRIC(kMsgUser, "memberlist.msg.user");
SWIM_METRIC(kMsgWeight, "memberlist.msg.weight");
SWIM_METRIC(kRefute, "memberlist.refute");
SWIM_METRIC(kRefuteExhausted, "memberlist.refute_exhausted");
SWIM_METRIC(kConflict, "memberlist.conflict");
SWIM_METRIC(kReaped, "memberlist.reaped");
SWIM_METRIC(kPushPullMergeFailed, "memberlist.push_pull.merge_failed");
// A reply that reused a recent encoding (Config::push_pull_reply_max_age).
SWIM_METRIC(kPushPullReplyReused, "memberlist.push_pull.reply_reused");

// --- probing and health
// --------------------------------------------------------
SWIM_METRIC(kProbeSuccess, "memberlist.probe.success");
SWIM_METRIC(kProbeFailed, "memberlist.probe.failed");
SWIM_METRIC(kProbeTcpFallbackLost, "memberlist.probe.tcp_fallback_lost");
SWIM_METRIC(kDegradedProbe, "memberlist.degraded.probe");
SWIM_METRIC(kDegradedTimeout, "memberlist.degraded.timeout");
SWIM_METRIC(kHealthScore, "memberlist.health.score");         // gauge
SWIM_METRIC(kWeight, "memberlist.weight");                    // gauge
SWIM_METRIC(kProbeNodeTiming, "memberlist.probeNode");        // timing
SWIM_METRIC(kPushPullNodeTiming, "memberlist.pushPullNode");  // timing

// --- dropped: well-formed input we do not act on
// --------------------------------
SWIM_METRIC(kDroppedCidr, "memberlist.dropped.cidr");
SWIM_METRIC(kDroppedAckUnknown, "memberlist.dropped.ack_unknown");
SWIM_METRIC(kDroppedAliveBadVsn, "memberlist.dropped.alive_bad_vsn");
SWIM_METRIC(kDroppedAliveNoVsn, "memberlist.dropped.alive_no_vsn");
SWIM_METRIC(kDroppedAliveVetoed, "memberlist.dropped.alive_vetoed");
SWIM_METRIC(kDroppedCompoundParts, "memberlist.dropped.compound_parts");
SWIM_METRIC(kDroppedMergeVetoed, "memberlist.dropped.merge_vetoed");
SWIM_METRIC(kDroppedPingWrongNode, "memberlist.dropped.ping_wrong_node");
// require_node_names: a send to an address without a node name (Go's
// errNodeNamesAreRequired).
SWIM_METRIC(kDroppedNoNodeName, "memberlist.dropped.no_node_name");
SWIM_METRIC(kDroppedUnknownState, "memberlist.dropped.unknown_state");
SWIM_METRIC(kDroppedUnknownStreamType,
            "memberlist.dropped.unknown_stream_type");
SWIM_METRIC(kDroppedUnknownType, "memberlist.dropped.unknown_type");
SWIM_METRIC(kDroppedWeightStale, "memberlist.dropped.weight_stale");
SWIM_METRIC(kDroppedWeightFuture, "memberlist.dropped.weight_future");
SWIM_METRIC(kDroppedIncarnationJump, "memberlist.dropped.incarnation_jump");
SWIM_METRIC(kDroppedTableFull, "memberlist.dropped.table_full");
SWIM_METRIC(kDroppedReapedReadd, "memberlist.dropped.reaped_readd");
SWIM_METRIC(kDroppedPacketBudget, "memberlist.dropped.packet_budget");
SWIM_METRIC(kDroppedAmplification, "memberlist.dropped.amplification");
// Config::handoff = kGoLifo: a handoff queue was full (Go drops the newest).
SWIM_METRIC(kDroppedHandoffFull, "memberlist.dropped.handoff_full");
// Config::unconfirmed_member_timeout: a member never heard from first-hand.
SWIM_METRIC(kDroppedUnconfirmed, "memberlist.dropped.unconfirmed");

// --- malformed: input we could not read
// ----------------------------------------
SWIM_METRIC(kMalformedAck, "memberlist.malformed.ack");
SWIM_METRIC(kMalformedAlive, "memberlist.malformed.alive");
SWIM_METRIC(kMalformedAliveMeta, "memberlist.malformed.alive_meta");
SWIM_METRIC(kMalformedAliveName, "memberlist.malformed.alive_name");
SWIM_METRIC(kMalformedCompound, "memberlist.malformed.compound");
SWIM_METRIC(kMalformedCompoundTruncated,
            "memberlist.malformed.compound_truncated");
SWIM_METRIC(kMalformedCompress, "memberlist.malformed.compress");
SWIM_METRIC(kMalformedDead, "memberlist.malformed.dead");
SWIM_METRIC(kMalformedIndirectPing, "memberlist.malformed.indirect_ping");
SWIM_METRIC(kMalformedMessage, "memberlist.malformed.message");
SWIM_METRIC(kMalformedNack, "memberlist.malformed.nack");
SWIM_METRIC(kMalformedNested, "memberlist.malformed.nested");
SWIM_METRIC(kMalformedPacket, "memberlist.malformed.packet");
SWIM_METRIC(kMalformedPing, "memberlist.malformed.ping");
SWIM_METRIC(kMalformedPushPull, "memberlist.malformed.push_pull");
SWIM_METRIC(kMalformedStream, "memberlist.malformed.stream");
SWIM_METRIC(kMalformedSuspect, "memberlist.malformed.suspect");
SWIM_METRIC(kMalformedTcpPing, "memberlist.malformed.tcp_ping");
SWIM_METRIC(kMalformedUserStream, "memberlist.malformed.user_stream");
SWIM_METRIC(kMalformedWeight, "memberlist.malformed.weight");

#undef SWIM_METRIC

}  // namespace metric
}  // namespace swim

#endif  // SWIM_CORE_METRIC_NAMES_H_

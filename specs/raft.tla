-------------------------------- MODULE raft --------------------------------
(***************************************************************************)
(* The Raft of `raft-core` (core/src/protocol), written from Figure 2 and  *)
(* Figure 13 of the extended Raft paper and from specs/raft.md: elections, *)
(* log replication with the 6.5840 lab's fast backup (ConflictTerm /       *)
(* ConflictIndex), the Figure 8 commit rule, log compaction and            *)
(* InstallSnapshot, persistence and restart from persisted state.          *)
(*                                                                         *)
(* One server's whole state is one record, server[s], so that each action  *)
(* reads as the core's handler: a function from the record (and an input)  *)
(* to a new record and the messages sent.  Every step ends as the core's   *)
(* `step` does: committed entries are applied.  The persistent fields      *)
(* (currentTerm, votedFor, log, snapshot...) are what survives a crash: a *)
(* step and its persist are one atomic action.  Differences from the Rust  *)
(* core are listed in specs/raft.md, section 9.                            *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS
    Server,              \* the servers
    Nil,                 \* no vote (a model value, unequal to every server)
    MaxEntriesPerAppend, \* Config::max_entries_per_append
    NoopOnElection       \* Config::noop_on_election

\* The command of the no-op a new leader appends with NoopOnElection; proposals are > 0.
NoopCommand == 0

Follower == "Follower"
Candidate == "Candidate"
Leader == "Leader"

VARIABLES
    server,     \* server[s]: the record of Figure 2's state (see Reset and Init)
    network,    \* a bag of messages: [message -> number of copies in flight]
    \* Ghost history, written by the actions and read only by the invariants:
    elections,  \* every election ever won: [term, leader, log image at that moment]
    votes,      \* every vote ever cast: <<voter, term, candidate>> (own candidacy included)
    applied,    \* every entry ever applied: [index, term, cmd, at: the applier's term]
    snapCmds,   \* every command a snapshot ever held: <<index, cmd>>
    counts      \* how many proposals, crashes, restarts, snapshots, heartbeats (for bounds)

vars == <<server, network, elections, votes, applied, snapCmds, counts>>

-----------------------------------------------------------------------------
(* Helpers *)

Min(S) == CHOOSE x \in S : \A y \in S : x <= y
Max(S) == CHOOSE x \in S : \A y \in S : x >= y

\* Config::is_quorum: more than half of the servers.
IsQuorum(k) == k > Cardinality(Server) \div 2

NoProgress == [p \in Server |-> 0]

-----------------------------------------------------------------------------
(* The log (core/src/protocol/log.rs): entries after the snapshot, indices from 1; *)
(* index snapshotIndex has term snapshotTerm (0, 0 for the empty log).            *)

LastIndex(r) == r.snapshotIndex + Len(r.log)
LastTerm(r) == IF r.log = <<>> THEN r.snapshotTerm ELSE r.log[Len(r.log)].term
HasEntry(r, i) == r.snapshotIndex < i /\ i <= LastIndex(r)
HasTerm(r, i) == i = r.snapshotIndex \/ HasEntry(r, i)
TermAt(r, i) == IF i = r.snapshotIndex THEN r.snapshotTerm ELSE r.log[i - r.snapshotIndex].term
EntryAt(r, i) == r.log[i - r.snapshotIndex]
Cmds(log) == [k \in 1..Len(log) |-> log[k].cmd]

\* Log::entries_from: from `from` on, at most MaxEntriesPerAppend entries.
EntriesFrom(r, from) ==
    IF HasEntry(r, from)
    THEN SubSeq(r.log, from - r.snapshotIndex,
                Min({Len(r.log), from - r.snapshotIndex - 1 + MaxEntriesPerAppend}))
    ELSE <<>>

\* Log::first_index_of_term_run: the first index of the run of equal terms ending at `from`.
FirstIndexOfTermRun(r, from) ==
    IF ~HasTerm(r, from) \/ from = r.snapshotIndex THEN from
    ELSE Min({j \in (r.snapshotIndex + 1)..from :
                 \A k \in j..from : TermAt(r, k) = TermAt(r, from)})

\* Log::last_index_of_term: the last entry of term t, 0 if there is none.
LastIndexOfTerm(r, t) ==
    LET is == {i \in (r.snapshotIndex + 1)..LastIndex(r) : EntryAt(r, i).term = t}
    IN IF is = {} THEN 0 ELSE Max(is)

\* Log::compact: discard the entries through i (if the log has a term there).
Compact(r, i) ==
    IF HasTerm(r, i) /\ i > r.snapshotIndex
    THEN [r EXCEPT !.log = SubSeq(r.log, i - r.snapshotIndex + 1, Len(r.log)),
                   !.snapshotIndex = i, !.snapshotTerm = TermAt(r, i)]
    ELSE r

\* Log::install_snapshot: keep the entries after (i, t) if the log has that entry, else
\* discard the whole log.
InstallLog(r, i, t) ==
    LET keep == HasTerm(r, i) /\ TermAt(r, i) = t /\ i >= r.snapshotIndex
        base == IF keep THEN Compact(r, i) ELSE [r EXCEPT !.log = <<>>]
    IN [base EXCEPT !.snapshotIndex = i, !.snapshotTerm = t]

\* The state machine: the first lastApplied commands (snapshot, then log).
Service(r) == SubSeq(r.snapshotData \o Cmds(r.log), 1, r.lastApplied)

\* A log as an election records it: snapshot index and contents, and entries after them.
LogImage(r) == [snapshotIndex |-> r.snapshotIndex, snapshotData |-> r.snapshotData, log |-> r.log]

-----------------------------------------------------------------------------
(* Messages (core/src/protocol/message.rs) and the network *)

RequestVoteMsg(r, s, p) ==
    [mtype |-> "RequestVote", mterm |-> r.currentTerm, mlastLogIndex |-> LastIndex(r),
     mlastLogTerm |-> LastTerm(r), msource |-> s, mdest |-> p]
RequestVoteReplyMsg(r, s, p, granted) ==
    [mtype |-> "RequestVoteReply", mterm |-> r.currentTerm, mvoteGranted |-> granted,
     msource |-> s, mdest |-> p]
\* A reply of ConflictTerm 0 carries no ConflictTerm (the core's None; no entry has term 0).
AppendReplyMsg(r, s, p, success, matchIndex, conflictIndex, conflictTerm) ==
    [mtype |-> "AppendEntriesReply", mterm |-> r.currentTerm, msuccess |-> success,
     mmatchIndex |-> matchIndex, mconflictIndex |-> conflictIndex,
     mconflictTerm |-> conflictTerm, msource |-> s, mdest |-> p]
SnapshotReplyMsg(r, s, p, matchIndex) ==
    [mtype |-> "InstallSnapshotReply", mterm |-> r.currentTerm, mmatchIndex |-> matchIndex,
     msource |-> s, mdest |-> p]

\* Node::send_append: everything from the peer's nextIndex (capped), or the snapshot when
\* the entry before it is compacted away.
AppendTo(r, s, p) ==
    LET prev == r.nextIndex[p] - 1 IN
    IF HasTerm(r, prev)
    THEN [mtype |-> "AppendEntries", mterm |-> r.currentTerm, mprevLogIndex |-> prev,
          mprevLogTerm |-> TermAt(r, prev), mentries |-> EntriesFrom(r, prev + 1),
          mcommitIndex |-> r.commitIndex, msource |-> s, mdest |-> p]
    ELSE [mtype |-> "InstallSnapshot", mterm |-> r.currentTerm,
          mlastIncludedIndex |-> r.snapshotIndex, mlastIncludedTerm |-> r.snapshotTerm,
          mdata |-> r.snapshotData, msource |-> s, mdest |-> p]

Broadcast(r, s) == {AppendTo(r, s, p) : p \in Server \ {s}}

\* A step sends a set of distinct messages (one per peer at most).
Send(net, msgs) ==
    [m \in DOMAIN net \cup msgs |->
        (IF m \in DOMAIN net THEN net[m] ELSE 0) + (IF m \in msgs THEN 1 ELSE 0)]
Discard(net, m) ==
    IF net[m] = 1 THEN [x \in DOMAIN net \ {m} |-> net[x]] ELSE [net EXCEPT ![m] = @ - 1]

-----------------------------------------------------------------------------
(* Role changes (node.rs, election.rs) *)

BecomeFollower(r) ==
    [r EXCEPT !.role = Follower, !.votesGranted = {}, !.nextIndex = NoProgress,
              !.matchIndex = NoProgress]

\* Rules for all servers: a higher term is adopted at once (vote cleared, follower).
AdoptTerm(r, t) ==
    IF t > r.currentTerm THEN BecomeFollower([r EXCEPT !.currentTerm = t, !.votedFor = Nil])
    ELSE r

\* Node::advance_leader_commit, Figure 8: the largest N held by a majority (the leader
\* holding its whole log), committed only if log[N] is of the current term.
AdvanceCommit(r, s) ==
    LET held(p) == IF p = s THEN LastIndex(r) ELSE r.matchIndex[p]
        ok == {held(p) : p \in {q \in Server :
                  IsQuorum(Cardinality({k \in Server : held(k) >= held(q)}))}}
        n == Max(ok)
    IN IF r.role = Leader /\ ok # {} /\ n > r.commitIndex /\ HasTerm(r, n)
          /\ TermAt(r, n) = r.currentTerm
       THEN [r EXCEPT !.commitIndex = n]
       ELSE r

\* Node::become_leader: progress from lastIndex + 1 (before the optional no-op), heartbeat.
BecomeLeader(r, s) ==
    LET r1 == [r EXCEPT !.role = Leader, !.votesGranted = {},
                        !.nextIndex = [p \in Server |-> LastIndex(r) + 1],
                        !.matchIndex = NoProgress]
        r2 == IF NoopOnElection
              THEN [r1 EXCEPT !.log = Append(@, [term |-> r1.currentTerm, cmd |-> NoopCommand])]
              ELSE r1
        r3 == AdvanceCommit(r2, s)
    IN [r |-> r3, out |-> Broadcast(r3, s), installed |-> FALSE]

Result(r, out) == [r |-> r, out |-> out, installed |-> FALSE]

-----------------------------------------------------------------------------
(* Message handlers: (record after term adoption, message) -> result *)

\* Node::on_request_vote, the vote-granting rule (E2).
HandleRequestVote(r, s, m) ==
    LET upToDate == \/ m.mlastLogTerm > LastTerm(r)
                    \/ m.mlastLogTerm = LastTerm(r) /\ m.mlastLogIndex >= LastIndex(r)
        granted == /\ m.mterm = r.currentTerm
                   /\ (r.votedFor = Nil \/ r.votedFor = m.msource)
                   /\ upToDate
        r1 == IF granted THEN [r EXCEPT !.votedFor = m.msource] ELSE r
    IN Result(r1, {RequestVoteReplyMsg(r1, s, m.msource, granted)})

\* Node::on_request_vote_reply: votes are a set; only granted replies of the current term.
HandleRequestVoteReply(r, s, m) ==
    IF m.mvoteGranted /\ m.mterm = r.currentTerm /\ r.role = Candidate
    THEN LET r1 == [r EXCEPT !.votesGranted = @ \cup {m.msource}]
         IN IF IsQuorum(Cardinality(r1.votesGranted)) THEN BecomeLeader(r1, s)
            ELSE Result(r1, {})
    ELSE Result(r, {})

\* Node::on_append_entries, Figure 2 steps 1-5 with fast-backup hints; entries at or below
\* the snapshot are skipped as already held.
HandleAppendEntries(r, s, m) ==
    LET p == m.msource IN
    IF m.mterm < r.currentTerm THEN Result(r, {AppendReplyMsg(r, s, p, FALSE, 0, 0, 0)})
    ELSE
    LET f == BecomeFollower(r)
        base == f.snapshotIndex
        skip == IF m.mprevLogIndex < base THEN base - m.mprevLogIndex ELSE 0
    IN
    IF skip > Len(m.mentries) THEN Result(f, {AppendReplyMsg(f, s, p, TRUE, base, 0, 0)})
    ELSE
    LET prev == IF skip > 0 THEN base ELSE m.mprevLogIndex
        prevTerm == IF skip > 0 THEN m.mentries[skip].term ELSE m.mprevLogTerm
        ents == SubSeq(m.mentries, skip + 1, Len(m.mentries))
    IN
    IF ~HasTerm(f, prev)
    THEN Result(f, {AppendReplyMsg(f, s, p, FALSE, 0, LastIndex(f) + 1, 0)})
    ELSE IF TermAt(f, prev) # prevTerm
    THEN Result(f, {AppendReplyMsg(f, s, p, FALSE, 0, FirstIndexOfTermRun(f, prev),
                                   TermAt(f, prev))})
    ELSE
    LET conflicts == {k \in 1..Len(ents) :
                        ~(HasEntry(f, prev + k) /\ TermAt(f, prev + k) = ents[k].term)}
        k0 == Min(conflicts)
        log1 == IF conflicts = {} THEN f.log
                ELSE SubSeq(f.log, 1, prev + k0 - 1 - f.snapshotIndex)
                     \o SubSeq(ents, k0, Len(ents))
        lastNew == prev + Len(ents)
        newCommit == Min({m.mcommitIndex, lastNew})
        f1 == [f EXCEPT !.log = log1,
                        !.commitIndex = IF newCommit > @ THEN newCommit ELSE @]
    IN Result(f1, {AppendReplyMsg(f1, s, p, TRUE, lastNew, 0, 0)})

\* Node::leader_next_for_conflict: past our last entry of ConflictTerm if we have one, else
\* ConflictIndex.
NextForConflict(r, m) ==
    LET byTerm == IF m.mconflictTerm > 0 THEN LastIndexOfTerm(r, m.mconflictTerm) ELSE 0
    IN IF byTerm > 0 THEN byTerm + 1 ELSE Max({m.mconflictIndex, 1})

\* A success (of AppendEntries or InstallSnapshot): progress from the request answered,
\* never backwards; commit; send the next batch at once if the follower is still behind.
Acknowledged(r, s, p, matchIndex) ==
    LET mi == Max({r.matchIndex[p], Min({matchIndex, LastIndex(r)})})
        ni == Max({r.nextIndex[p], mi + 1})
        r1 == AdvanceCommit([r EXCEPT !.matchIndex[p] = mi, !.nextIndex[p] = ni], s)
    IN Result(r1, IF ni <= LastIndex(r) THEN {AppendTo(r1, s, p)} ELSE {})

\* Node::on_append_entries_reply: success moves progress; a rejection with a hint backs
\* nextIndex up (never below matchIndex + 1, never past lastIndex + 1) and retries at once.
HandleAppendEntriesReply(r, s, m) ==
    LET p == m.msource IN
    IF m.mterm < r.currentTerm \/ r.role # Leader THEN Result(r, {})
    ELSE IF m.msuccess THEN Acknowledged(r, s, p, m.mmatchIndex)
    ELSE IF m.mconflictIndex = 0 THEN Result(r, {})
    ELSE LET ni == Min({Max({NextForConflict(r, m), r.matchIndex[p] + 1}), LastIndex(r) + 1})
             r1 == [r EXCEPT !.nextIndex[p] = ni]
         IN Result(r1, {AppendTo(r1, s, p)})

\* Node::on_install_snapshot (Figure 13): ignore one at or below our commit index, else
\* install it (keeping a matching suffix), commit and apply it.
HandleInstallSnapshot(r, s, m) ==
    LET p == m.msource IN
    IF m.mterm < r.currentTerm THEN Result(r, {SnapshotReplyMsg(r, s, p, 0)})
    ELSE
    LET f == BecomeFollower(r) IN
    IF m.mlastIncludedIndex <= f.commitIndex
    THEN Result(f, {SnapshotReplyMsg(f, s, p, m.mlastIncludedIndex)})
    ELSE LET f1 == [InstallLog(f, m.mlastIncludedIndex, m.mlastIncludedTerm)
                      EXCEPT !.snapshotData = m.mdata,
                             !.commitIndex = m.mlastIncludedIndex,
                             !.lastApplied = m.mlastIncludedIndex]
         IN [r |-> f1, out |-> {SnapshotReplyMsg(f1, s, p, m.mlastIncludedIndex)},
             installed |-> TRUE]

HandleInstallSnapshotReply(r, s, m) ==
    IF m.mterm < r.currentTerm \/ r.role # Leader THEN Result(r, {})
    ELSE Acknowledged(r, s, m.msource, m.mmatchIndex)

-----------------------------------------------------------------------------
(* The end of every step (Node::step_into): apply committed entries; record history. *)

\* Node::apply_committed: apply while the next entry is in the log.
AppliedTo(r) ==
    IF r.lastApplied + 1 > r.snapshotIndex
    THEN Max({r.lastApplied, Min({r.commitIndex, LastIndex(r)})})
    ELSE r.lastApplied

SnapPairs(r) == {<<k, r.snapshotData[k]>> : k \in 1..Len(r.snapshotData)}

\* Server s stepped from `before` to `res.r`, sending res.out; `net` is the network without
\* the message it received.  (Callers bind `res` with \E over a singleton so that TLC computes
\* it once: an operator argument is re-evaluated at every use.)
Finish(s, before, res, net) ==
    LET r == res.r
        to == AppliedTo(r)
        final == [r EXCEPT !.lastApplied = to]
    IN
    /\ server' = [server EXCEPT ![s] = final]
    /\ network' = Send(net, res.out)
    /\ elections' = elections \cup
           IF final.role = Leader /\ ~(before.role = Leader /\ before.currentTerm = final.currentTerm)
           THEN {[term |-> final.currentTerm, leader |-> s, log |-> LogImage(final)]}
           ELSE {}
    /\ votes' = votes \cup
           IF final.votedFor # Nil /\ (final.votedFor # before.votedFor
                                      \/ final.currentTerm # before.currentTerm)
           THEN {<<s, final.currentTerm, final.votedFor>>}
           ELSE {}
    /\ applied' = applied \cup
           {[index |-> i, term |-> EntryAt(final, i).term, cmd |-> EntryAt(final, i).cmd,
             at |-> final.currentTerm] : i \in (r.lastApplied + 1)..to}
    /\ snapCmds' = snapCmds \cup (IF res.installed THEN SnapPairs(final) ELSE {})

-----------------------------------------------------------------------------
(* Actions *)

\* E1: a follower or candidate starts an election (a one-server cluster wins it at once).
Timeout(s) ==
    LET r == server[s]
        r1 == [r EXCEPT !.currentTerm = @ + 1, !.votedFor = s, !.role = Candidate,
                        !.votesGranted = {s}]
        res == IF IsQuorum(1) THEN BecomeLeader(r1, s)
               ELSE Result(r1, {RequestVoteMsg(r1, s, p) : p \in Server \ {s}})
    IN /\ r.up /\ r.role # Leader
       /\ \E result \in {res} : Finish(s, r, result, network)
       /\ UNCHANGED counts

\* L2: a leader's heartbeat: AppendEntries (or InstallSnapshot) to every peer.
HeartbeatTimeout(s) ==
    LET r == server[s] IN
    /\ r.up /\ r.role = Leader
    /\ \E result \in {Result(r, Broadcast(r, s))} : Finish(s, r, result, network)
    /\ counts' = [counts EXCEPT !.heartbeats = @ + 1]

\* L1: a client proposes command v at leader s.
ClientRequest(s, v) ==
    LET r == server[s]
        r1 == AdvanceCommit([r EXCEPT !.log = Append(@, [term |-> r.currentTerm, cmd |-> v])], s)
    IN /\ r.up /\ r.role = Leader
       /\ \E result \in {Result(r1, Broadcast(r1, s))} : Finish(s, r, result, network)
       /\ counts' = [counts EXCEPT !.proposals = @ + 1]

\* Server m.mdest receives message m.
Receive(m) ==
    LET s == m.mdest
        r == server[s]
        r0 == AdoptTerm(r, m.mterm)
        res == CASE m.mtype = "RequestVote" -> HandleRequestVote(r0, s, m)
                 [] m.mtype = "RequestVoteReply" -> HandleRequestVoteReply(r0, s, m)
                 [] m.mtype = "AppendEntries" -> HandleAppendEntries(r0, s, m)
                 [] m.mtype = "AppendEntriesReply" -> HandleAppendEntriesReply(r0, s, m)
                 [] m.mtype = "InstallSnapshot" -> HandleInstallSnapshot(r0, s, m)
                 [] m.mtype = "InstallSnapshotReply" -> HandleInstallSnapshotReply(r0, s, m)
    IN /\ m \in DOMAIN network
       /\ r.up
       /\ \E result \in {res} : Finish(s, r, result, Discard(network, m))
       /\ UNCHANGED counts

\* S1: the service at s hands over its state as of applied index i; the log is compacted.
Snapshot(s, i) ==
    LET r == server[s]
        r1 == [Compact(r, i) EXCEPT !.snapshotData = SubSeq(Service(r), 1, i)]
    IN /\ r.up /\ r.snapshotIndex < i /\ i <= r.lastApplied
       /\ server' = [server EXCEPT ![s] = r1]
       /\ snapCmds' = snapCmds \cup SnapPairs(r1)
       /\ counts' = [counts EXCEPT !.snapshots = @ + 1]
       /\ UNCHANGED <<network, elections, votes, applied>>

\* The volatile state a server starts with, from its persistent fields (S4).
Reset(r) ==
    [BecomeFollower(r) EXCEPT !.commitIndex = r.snapshotIndex, !.lastApplied = r.snapshotIndex]

\* A server stops; only its persistent fields survive.
Crash(s) ==
    /\ server[s].up
    /\ server' = [server EXCEPT ![s] = [Reset(@) EXCEPT !.up = FALSE]]
    /\ counts' = [counts EXCEPT !.crashes = @ + 1]
    /\ UNCHANGED <<network, elections, votes, applied, snapCmds>>

\* A server is rebuilt from its persistent fields (a running one crashes and restarts in one
\* step, as the driver's restart of a live server); a snapshot counts as applied.
Restart(s) ==
    /\ server' = [server EXCEPT ![s] = [Reset(@) EXCEPT !.up = TRUE]]
    /\ snapCmds' = snapCmds \cup SnapPairs(server[s])
    /\ counts' = [counts EXCEPT !.restarts = @ + 1]
    /\ UNCHANGED <<network, elections, votes, applied>>

\* The network loses a message (a drop, a cut link, a crashed destination).
DropMessage(m) ==
    /\ m \in DOMAIN network
    /\ network' = Discard(network, m)
    /\ UNCHANGED <<server, elections, votes, applied, snapCmds, counts>>

\* The network delivers a message twice.
DuplicateMessage(m) ==
    /\ m \in DOMAIN network
    /\ network' = Send(network, {m})
    /\ UNCHANGED <<server, elections, votes, applied, snapCmds, counts>>

-----------------------------------------------------------------------------

InitServer ==
    [currentTerm |-> 0, votedFor |-> Nil, log |-> <<>>, snapshotIndex |-> 0,
     snapshotTerm |-> 0, snapshotData |-> <<>>, role |-> Follower, votesGranted |-> {},
     nextIndex |-> NoProgress, matchIndex |-> NoProgress, commitIndex |-> 0,
     lastApplied |-> 0, up |-> TRUE]

Init ==
    /\ server = [s \in Server |-> InitServer]
    /\ network = [m \in {} |-> 0]
    /\ elections = {}
    /\ votes = {}
    /\ applied = {}
    /\ snapCmds = {}
    /\ counts = [proposals |-> 0, crashes |-> 0, restarts |-> 0, snapshots |-> 0,
                 heartbeats |-> 0]

\* Every proposal carries a fresh command, so entries at one index and term can differ.
Next ==
    \/ \E s \in Server :
        \/ Timeout(s)
        \/ HeartbeatTimeout(s)
        \/ ClientRequest(s, counts.proposals + 1)
        \/ \E i \in 1..server[s].lastApplied : Snapshot(s, i)
        \/ Crash(s)
        \/ Restart(s)
    \/ \E m \in DOMAIN network : Receive(m) \/ DropMessage(m) \/ DuplicateMessage(m)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants, named as in core/src/judge/invariants.rs *)

\* At most one server was ever elected in any term (over the history of elections).
ElectionSafety ==
    \A e1, e2 \in elections : e1.term = e2.term => e1.leader = e2.leader

\* Two logs with an entry of the same index and term hold the same entries up to it (over
\* the indices both still hold; a crashed server's log is its persisted one).
LogMatching ==
    \A a, b \in Server :
        LET ra == server[a]
            rb == server[b]
            from == Max({ra.snapshotIndex, rb.snapshotIndex}) + 1
            to == Min({LastIndex(ra), LastIndex(rb)})
            same == {i \in from..to : TermAt(ra, i) = TermAt(rb, i)}
        IN same # {} => \A i \in from..Max(same) : EntryAt(ra, i) = EntryAt(rb, i)

\* An election image holds (index, term, cmd): in its log, or as the command in its snapshot.
Holds(img, i, t, c) ==
    IF i <= img.snapshotIndex
    THEN i <= Len(img.snapshotData) /\ img.snapshotData[i] = c
    ELSE /\ i <= img.snapshotIndex + Len(img.log)
         /\ img.log[i - img.snapshotIndex] = [term |-> t, cmd |-> c]

\* Every entry applied in term c is held by every leader elected in a term after c, in its
\* log as it was when elected.
LeaderCompleteness ==
    \A e \in elections, a \in applied : a.at < e.term => Holds(e.log, a.index, a.term, a.cmd)

\* No two servers ever applied different entries (or snapshot commands) at an index.
StateMachineSafety ==
    /\ \A a, b \in applied : a.index = b.index => a.term = b.term /\ a.cmd = b.cmd
    /\ \A x, y \in snapCmds : x[1] = y[1] => x[2] = y[2]

\* (aux) No server voted for two candidates in one term.
OneVotePerTerm ==
    \A v, w \in votes : v[1] = w[1] /\ v[2] = w[2] => v[3] = w[3]

\* (aux) Log terms never decrease and are never above the owner's term (running servers).
LogTermsValid ==
    \A s \in Server :
        LET r == server[s] IN
        r.up => \A i \in 1..Len(r.log) :
                    /\ r.log[i].term <= r.currentTerm
                    /\ r.log[i].term >= (IF i = 1 THEN r.snapshotTerm ELSE r.log[i - 1].term)

\* (aux) Every applied entry is held by a majority of persisted logs (or their snapshots).
CommittedOnMajority ==
    \A a \in applied :
        IsQuorum(Cardinality({s \in Server :
            \/ a.index <= server[s].snapshotIndex
            \/ HasEntry(server[s], a.index) /\ TermAt(server[s], a.index) = a.term}))

\* Every command a snapshot ever held is the command some server applied at that index.
SnapshotCommitted ==
    \A x \in snapCmds : \E a \in applied : a.index = x[1] /\ a.cmd = x[2]

Invariants ==
    /\ ElectionSafety /\ LogMatching /\ LeaderCompleteness /\ StateMachineSafety
    /\ OneVotePerTerm /\ LogTermsValid /\ CommittedOnMajority /\ SnapshotCommitted

(* Transition properties, checked on every step *)

\* A server that is leader of the same term before and after a step keeps every entry.
LeaderAppendOnly ==
    [][\A s \in Server :
        LET r == server[s]  r1 == server'[s] IN
        (r.role = Leader /\ r1.role = Leader /\ r.currentTerm = r1.currentTerm)
            => /\ LastIndex(r1) >= LastIndex(r)
               /\ \A i \in (Max({r.snapshotIndex, r1.snapshotIndex}) + 1)..LastIndex(r) :
                      EntryAt(r1, i) = EntryAt(r, i)]_vars

\* (aux) A server's term never decreases, across restarts too.
TermMonotonic == [][\A s \in Server : server'[s].currentTerm >= server[s].currentTerm]_vars

\* (aux) Commit and applied indices never decrease within an incarnation.
CommitMonotonic ==
    [][(counts'.restarts = counts.restarts) =>
        \A s \in Server : server[s].up /\ server'[s].up =>
            /\ server'[s].commitIndex >= server[s].commitIndex
            /\ server'[s].lastApplied >= server[s].lastApplied]_vars

=============================================================================

------------------------------ MODULE TraceRaft ------------------------------
(***************************************************************************)
(* Trace validation: is a trace of the Rust core a behaviour of raft.tla?  *)
(* `Traces` (module TraceData, written by `model::tla::export`) holds a    *)
(* batch of traces; each step names the driver operation, its arguments    *)
(* and the state of the server it touched afterwards.  A behaviour of this *)
(* spec picks one trace and follows it: each step must be the spec action  *)
(* the operation maps to, and must leave that server exactly in the        *)
(* observed state.  Every state reached is printed (trace, step): a trace  *)
(* is a behaviour of the spec iff its last step is reached, else the next  *)
(* step is the first that no spec action explains.  One TLC run judges    *)
(* the whole batch.                                                        *)
(***************************************************************************)
EXTENDS raft, TraceData

VARIABLES tr, step

\* The trace's compact forms as raft.tla's values: an entry <<term, cmd>>, a message
\* <<kind, fields..., source, destination>>, an observation <<term, vote, snapshot index,
\* snapshot term, role, votes, nextIndex, matchIndex, commitIndex, lastApplied, up, log,
\* snapshot contents>>, where log and contents are <<>> when unchanged, else <<value>>.
Entries(es) == [k \in 1..Len(es) |-> [term |-> es[k][1], cmd |-> es[k][2]]]

Msg(t) ==
    LET src == t[Len(t) - 1]
        dst == t[Len(t)]
    IN CASE t[1] = "RV" ->
            [mtype |-> "RequestVote", mterm |-> t[2], mlastLogIndex |-> t[3],
             mlastLogTerm |-> t[4], msource |-> src, mdest |-> dst]
         [] t[1] = "RVR" ->
            [mtype |-> "RequestVoteReply", mterm |-> t[2], mvoteGranted |-> t[3],
             msource |-> src, mdest |-> dst]
         [] t[1] = "AE" ->
            [mtype |-> "AppendEntries", mterm |-> t[2], mprevLogIndex |-> t[3],
             mprevLogTerm |-> t[4], mentries |-> Entries(t[5]), mcommitIndex |-> t[6],
             msource |-> src, mdest |-> dst]
         [] t[1] = "AER" ->
            [mtype |-> "AppendEntriesReply", mterm |-> t[2], msuccess |-> t[3],
             mmatchIndex |-> t[4], mconflictIndex |-> t[5], mconflictTerm |-> t[6],
             msource |-> src, mdest |-> dst]
         [] t[1] = "IS" ->
            [mtype |-> "InstallSnapshot", mterm |-> t[2], mlastIncludedIndex |-> t[3],
             mlastIncludedTerm |-> t[4], mdata |-> t[5], msource |-> src, mdest |-> dst]
         [] t[1] = "ISR" ->
            [mtype |-> "InstallSnapshotReply", mterm |-> t[2], mmatchIndex |-> t[3],
             msource |-> src, mdest |-> dst]

Observed(o, r) ==
    [currentTerm |-> o[1],
     votedFor |-> IF o[2] < 0 THEN Nil ELSE o[2],
     snapshotIndex |-> o[3],
     snapshotTerm |-> o[4],
     role |-> o[5],
     votesGranted |-> o[6],
     nextIndex |-> [p \in Server |-> o[7][p + 1]],
     matchIndex |-> [p \in Server |-> o[8][p + 1]],
     commitIndex |-> o[9],
     lastApplied |-> o[10],
     up |-> o[11],
     log |-> IF o[12] = <<>> THEN r.log ELSE Entries(o[12][1]),
     snapshotData |-> IF o[13] = <<>> THEN r.snapshotData ELSE o[13][1]]

\* The server the step touched is left exactly as observed.
Matches(e) == server'[e.s] = Observed(e.o, server[e.s])

\* An operation the core ignores in this state (a timeout at the wrong role, a proposal at a
\* non-leader, a snapshot the service may not take) changes nothing in the spec either.
Ignored == UNCHANGED vars

\* Each driver operation and the spec action it maps to.
StepOf(e) ==
    CASE e.op = "deliver" -> (\E m \in {Msg(e.m)} : Receive(m)) /\ Matches(e)
      [] e.op = "lost" -> \E m \in {Msg(e.m)} : DropMessage(m)
      [] e.op = "drop" -> \E m \in {Msg(e.m)} : DropMessage(m)
      [] e.op = "dup" -> \E m \in {Msg(e.m)} : DuplicateMessage(m)
      [] e.op = "timeout" ->
            /\ IF server[e.s].role = Leader THEN Ignored ELSE Timeout(e.s)
            /\ Matches(e)
      [] e.op = "heartbeat" ->
            /\ IF server[e.s].role # Leader THEN Ignored ELSE HeartbeatTimeout(e.s)
            /\ Matches(e)
      [] e.op = "propose" ->
            /\ IF server[e.s].role # Leader THEN Ignored ELSE ClientRequest(e.s, e.v)
            /\ Matches(e)
      [] e.op = "crash" -> Crash(e.s) /\ Matches(e)
      [] e.op = "restart" -> Restart(e.s) /\ Matches(e)
      [] e.op = "snapshot" ->
            /\ IF server[e.s].snapshotIndex < e.i /\ e.i <= server[e.s].lastApplied
               THEN Snapshot(e.s, e.i) ELSE Ignored
            /\ Matches(e)

TraceInit == tr \in 1..Len(Traces) /\ step = 0 /\ Init

TraceNext ==
    /\ step < Len(Traces[tr])
    /\ \E e \in {Traces[tr][step + 1]} : StepOf(e)   \* (bound once: see raft.tla's Finish)
    /\ step' = step + 1
    /\ UNCHANGED tr

\* Each trace's steps determine its states: one state per (trace, step).
TraceView == <<tr, step>>

\* Always true; prints each state's (trace, step). A trace is a behaviour of the spec iff its
\* last step is printed; otherwise the step after the last one printed is the first that no
\* spec action explains. (Each step has at most one successor: the observed state and the
\* message fix it.)
Report == PrintT(<<"AT", tr, step>>)
=============================================================================

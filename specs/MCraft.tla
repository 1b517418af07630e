------------------------------- MODULE MCraft -------------------------------
(* raft.tla for TLC: bounds as a state constraint (a state beyond a bound is not explored),  *)
(* the servers as a symmetry set.  The bounds mirror the model checker's flags               *)
(* (model/src/checker/boundary.rs): terms, proposals, crashes, restarts, snapshots,          *)
(* heartbeats, messages in flight and copies of one message.                                 *)
EXTENDS raft

CONSTANTS MaxTerm, MaxProposals, MaxCrashes, MaxRestarts, MaxSnapshots, MaxHeartbeats,
          MaxInFlight, MaxCopies

ServerSymmetry == Permutations(Server)

RECURSIVE SumOver(_, _)
SumOver(f, S) == IF S = {} THEN 0 ELSE LET x == CHOOSE y \in S : TRUE
                                         IN f[x] + SumOver(f, S \ {x})

InFlight == SumOver(network, DOMAIN network)

Bounds ==
    /\ \A s \in Server : server[s].currentTerm <= MaxTerm
    /\ counts.proposals <= MaxProposals
    /\ counts.crashes <= MaxCrashes
    /\ counts.restarts <= MaxRestarts
    /\ counts.snapshots <= MaxSnapshots
    /\ counts.heartbeats <= MaxHeartbeats
    /\ InFlight <= MaxInFlight
    /\ \A m \in DOMAIN network : network[m] <= MaxCopies
=============================================================================

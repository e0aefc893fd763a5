"""PeerBridge metrics: live program aggregates, reimbursement, outcomes and funder feeds."""

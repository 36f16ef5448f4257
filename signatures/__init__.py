"""Who signs what (issue 13): certificates bound to people and schools, the signer
chain's signatures made as the path's steps are taken, deferred signatures for the
signers' own tokens, and batch signing."""

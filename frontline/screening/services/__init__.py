"""Every write of the screening app with consequences. Views, the API, imports and tests call
these plain functions; they take ``actor=``, are atomic, and never see a request."""

"""schemathesis generates requests from the OpenAPI schema; the API must never answer 500.

Bounded (a few examples per operation, no shrinking) so it stays a smoke test of
seconds, not minutes, in the default suite.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from frameline.records import DocLabel, Span
from frameline.records import RawDocument, SourceRef
from frameline.store.accounts import AccountStore
from frameline.web import create_app
from frameline.workspace import init_workspace


def _app():
    folder = tempfile.mkdtemp(prefix="frameline-schema-")  # module level: schemathesis needs the app at import
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    workspace = init_workspace(Path(folder) / "workspace")
    store = workspace.open_store()
    written = store.write_documents([
        RawDocument(SourceRef("test", "schema", groups=("extremist",)), "Mosul الموصل victory", native_id="1"),
        RawDocument(SourceRef("test", "schema"), "second document", native_id="2"),
    ])
    store.write_analysis("fixture", "1", {written.new_ids[0]: (
        [Span(written.new_ids[0], 0, 5, "frame", "steadfastness", 0.9, "", "")],
        [DocLabel(written.new_ids[0], "frame", "steadfastness", 0.9, "", "")])})
    accounts = AccountStore(store)
    token = accounts.create_api_token(accounts.add_user("schema-admin", "schema password", "admin"), "schemathesis")
    return create_app(workspace, store=store), token


APP, TOKEN = _app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_request_the_schema_allows_makes_the_server_fail(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error])

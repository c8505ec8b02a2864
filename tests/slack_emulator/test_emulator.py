"""The emulator, driven by a real slack_sdk WebClient over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.slack_emulator import SlackEmulator, validate_blocks, validate_view


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _button(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": _plain("Agree"),
        "action_id": "agree",
        "value": "yes",
        **overrides,
    }


def _actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def _modal(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "escalate",
        "title": _plain("Escalate"),
        "close": _plain("Cancel"),
        "blocks": [_section("Escalate to stage 2?")],
        **overrides,
    }


def _error(caught: pytest.ExceptionInfo[SlackApiError]) -> str:
    return caught.value.response["error"]


def _post_json(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as failure:
        return failure.code, json.loads(failure.read())


# identity and auth -----------------------------------------------------------


def test_auth_test_reports_the_bot(emulator: SlackEmulator, client: WebClient) -> None:
    response = client.auth_test()
    assert response["team_id"] == "T0EMULATE"
    assert response["user_id"] == emulator.bot_user_id
    assert response["bot_id"] == emulator.bot_id
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.base_url.endswith("/api/")


def test_missing_token_is_not_authed(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=emulator.base_url).auth_test()
    assert _error(caught) == "not_authed"


def test_bad_token_is_invalid_auth(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(token="xoxp-not-a-bot", base_url=emulator.base_url).auth_test()
    assert _error(caught) == "invalid_auth"


def test_token_may_come_as_a_form_parameter(emulator: SlackEmulator) -> None:
    response = WebClient(base_url=emulator.base_url).api_call(
        "auth.test", params={"token": "xoxb-in-form"}
    )
    assert response["ok"] is True


def test_unknown_method_is_404(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.teleport")
    assert caught.value.response.status_code == 404
    assert _error(caught) == "unknown_method"


# messages --------------------------------------------------------------------


def test_post_update_delete_and_history(
    emulator: SlackEmulator, client: WebClient, channel: str
) -> None:
    first = client.chat_postMessage(channel=channel, text="Difference raised")
    second = client.chat_postMessage(
        channel=channel, text="Stage 1", blocks=[_section("*Stage 1* started")]
    )
    assert first["ts"] < second["ts"]
    assert second["message"]["blocks"][0]["block_id"]

    updated = client.chat_update(channel=channel, ts=first["ts"], text="Difference resolved")
    assert updated["message"]["text"] == "Difference resolved"
    assert updated["message"]["edited"]["user"] == emulator.bot_user_id

    history = client.conversations_history(channel=channel)["messages"]
    assert [m["ts"] for m in history] == [second["ts"], first["ts"]]

    client.chat_delete(channel=channel, ts=second["ts"])
    assert [m["text"] for m in emulator.messages(channel)] == ["Difference resolved"]
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel=channel, ts=second["ts"], text="gone")
    assert _error(caught) == "message_not_found"


def test_update_keeps_blocks_unless_replaced(client: WebClient, channel: str) -> None:
    posted = client.chat_postMessage(channel=channel, text="t", blocks=[_section("one")])
    kept = client.chat_update(channel=channel, ts=posted["ts"], text="t2")
    assert kept["message"]["blocks"][0]["text"]["text"] == "one"
    replaced = client.chat_update(
        channel=channel, ts=posted["ts"], text="t3", blocks=[_section("two")]
    )
    assert replaced["message"]["blocks"][0]["text"]["text"] == "two"


def test_form_encoded_blocks_are_decoded(emulator: SlackEmulator, channel: str) -> None:
    form_client = WebClient(token="xoxb-test", base_url=emulator.base_url)
    form_client.api_call(
        "chat.postMessage",
        data={"channel": channel, "text": "fallback", "blocks": json.dumps([_section("form")])},
    )
    (call,) = emulator.calls("chat.postMessage")
    assert call.params["blocks"][0]["text"]["text"] == "form"
    assert emulator.messages(channel)[0]["blocks"][0]["type"] == "section"


def test_ephemeral_messages_target_a_user(
    emulator: SlackEmulator, client: WebClient, channel: str
) -> None:
    response = client.chat_postEphemeral(channel=channel, user="U_ALICE", text="Only you")
    (message,) = emulator.messages(channel)
    assert message["ts"] == response["message_ts"]
    assert message["ephemeral"] is True
    assert message["user"] == "U_ALICE"
    assert client.conversations_history(channel=channel)["messages"] == []

    with pytest.raises(SlackApiError) as caught:
        client.chat_postEphemeral(channel=channel, user="U_CAROL", text="Not here")
    assert _error(caught) == "user_not_in_channel"


def test_posting_to_a_user_id_goes_to_their_dm(emulator: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U_ALICE", text="Your action is due")
    opened = client.conversations_open(users="U_ALICE")
    assert posted["channel"] == opened["channel"]["id"]
    assert opened["already_open"] is True


def test_message_needs_text_or_blocks_and_a_sane_length(client: WebClient, channel: str) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.postMessage", json={"channel": channel, "text": ""})
    assert _error(caught) == "no_text"
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=channel, text="x" * 40_001)
    assert _error(caught) == "msg_too_long"
    assert client.chat_postMessage(channel=channel, text="x" * 40_000)["ok"]


def test_channel_errors(emulator: SlackEmulator, client: WebClient) -> None:
    outside = emulator.add_channel("safeguarding-leads", members=["U_ALICE"])
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=outside["id"], text="hello")
    assert _error(caught) == "not_in_channel"
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C_NOPE", text="hello")
    assert _error(caught) == "channel_not_found"
    hidden = emulator.add_channel("private-leads", members=["U_ALICE"], is_private=True)
    with pytest.raises(SlackApiError) as caught:
        client.conversations_info(channel=hidden["id"])
    assert _error(caught) == "channel_not_found"


# conversations ---------------------------------------------------------------


def test_conversations_open_is_stable_per_set_of_users(client: WebClient) -> None:
    im = client.conversations_open(users="U_ALICE")["channel"]["id"]
    assert im.startswith("D")
    assert client.conversations_open(users=["U_ALICE"])["channel"]["id"] == im

    group = client.conversations_open(users="U_ALICE,U_BOB")["channel"]["id"]
    assert group.startswith("G")
    assert client.conversations_open(users="U_BOB,U_ALICE")["channel"]["id"] == group
    assert client.conversations_open(users="U_BOB,U_CAROL")["channel"]["id"] != group

    info = client.conversations_info(channel=group)["channel"]
    assert info["is_mpim"] is True
    assert info["is_member"] is True
    with pytest.raises(SlackApiError) as caught:
        client.conversations_open(users="U_NOBODY")
    assert _error(caught) == "user_not_found"


def test_create_invite_and_members(emulator: SlackEmulator, client: WebClient) -> None:
    created = client.conversations_create(name="rpd-private", is_private=True)["channel"]
    assert created["is_private"] is True
    assert created["is_member"] is True

    client.conversations_invite(channel=created["id"], users="U_ALICE")
    # Some already in, some new: the new ones are added.
    client.conversations_invite(channel=created["id"], users="U_ALICE,U_BOB")
    members = client.conversations_members(channel=created["id"])["members"]
    assert members == [emulator.bot_user_id, "U_ALICE", "U_BOB"]

    with pytest.raises(SlackApiError) as caught:
        client.conversations_invite(channel=created["id"], users="U_ALICE,U_BOB")
    assert _error(caught) == "already_in_channel"
    with pytest.raises(SlackApiError) as caught:
        client.conversations_invite(channel=created["id"], users="U_NOBODY")
    assert _error(caught) == "user_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.conversations_create(name="rpd-private")
    assert _error(caught) == "name_taken"


def test_members_paginate_with_cursors(emulator: SlackEmulator, client: WebClient) -> None:
    channel = client.conversations_create(name="rpd-big")["channel"]["id"]
    client.conversations_invite(channel=channel, users="U_ALICE,U_BOB,U_CAROL")
    first = client.conversations_members(channel=channel, limit=3)
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_members(channel=channel, limit=3, cursor=cursor)
    assert first["members"] + second["members"] == [
        emulator.bot_user_id,
        "U_ALICE",
        "U_BOB",
        "U_CAROL",
    ]
    assert second["response_metadata"]["next_cursor"] == ""


# users -----------------------------------------------------------------------


def test_users_info_and_lookup_by_email(client: WebClient) -> None:
    user = client.users_info(user="U_ALICE")["user"]
    assert user["real_name"] == "Alice Social Worker"
    assert user["tz"] == "Europe/London"
    assert user["profile"]["email"] == "alice@example.org"
    assert client.users_lookupByEmail(email="BOB@example.org")["user"]["id"] == "U_BOB"
    with pytest.raises(SlackApiError) as caught:
        client.users_lookupByEmail(email="nobody@example.org")
    assert _error(caught) == "users_not_found"
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U_NOBODY")
    assert _error(caught) == "user_not_found"


# views -----------------------------------------------------------------------


def test_views_open_update_and_push(emulator: SlackEmulator, client: WebClient) -> None:
    opened = client.views_open(trigger_id="trigger-1", view=_modal(external_id="case-1"))["view"]
    assert opened["id"].startswith("V")
    assert opened["state"] == {"values": {}}

    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=_modal(blocks=[_section("Updated")])
    )["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    by_external = client.views_update(external_id="case-1", view=_modal(external_id="case-1"))
    assert by_external["view"]["id"] == opened["id"]

    with pytest.raises(SlackApiError) as caught:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=_modal())
    assert _error(caught) == "hash_conflict"
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id="trigger-1", view=_modal())
    assert _error(caught) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id="", view=_modal())
    assert _error(caught) == "invalid_arguments"

    pushed = client.views_push(trigger_id="trigger-2", view=_modal(title=_plain("Step 2")))
    views = emulator.views_opened()
    assert [v["id"] for v in views] == [opened["id"], pushed["view"]["id"]]
    assert views[0]["external_id"] == "case-1"


def test_views_publish_keeps_one_home_per_user(emulator: SlackEmulator, client: WebClient) -> None:
    home = {"type": "home", "blocks": [_section("Your open differences: 0")]}
    first = client.views_publish(user_id="U_ALICE", view=home)["view"]
    second = client.views_publish(
        user_id="U_ALICE", view={**home, "blocks": [_section("Your open differences: 1")]}
    )["view"]
    assert first["id"] == second["id"]
    history = emulator.home_views("U_ALICE")
    assert [v["blocks"][0]["text"]["text"] for v in history] == [
        "Your open differences: 0",
        "Your open differences: 1",
    ]
    assert emulator.home_views("U_BOB") == []
    with pytest.raises(SlackApiError) as caught:
        client.views_publish(user_id="U_NOBODY", view=home)
    assert _error(caught) == "user_not_found"


# files -----------------------------------------------------------------------


def test_files_upload_v2_round_trip(
    emulator: SlackEmulator, client: WebClient, channel: str
) -> None:
    content = b"%PDF-1.4 chronology of the difference"
    response = client.files_upload_v2(
        channel=channel,
        content=content,
        filename="chronology.pdf",
        title="Chronology",
        initial_comment="Chronology attached",
    )
    (stored,) = emulator.files()
    assert response["file"]["id"] == stored["id"]
    assert stored["content"] == content
    assert stored["size"] == len(content)
    assert stored["name"] == "chronology.pdf"
    assert stored["title"] == "Chronology"
    assert stored["channels"] == [channel]

    (share,) = emulator.messages(channel)
    assert share["subtype"] == "file_share"
    assert share["text"] == "Chronology attached"
    assert share["files"][0]["id"] == stored["id"]
    assert [c.method for c in emulator.calls()][-3:] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


# response_url ----------------------------------------------------------------


def test_response_url_posts_are_recorded(
    emulator: SlackEmulator, client: WebClient, channel: str
) -> None:
    url = emulator.response_url(channel, "U_ALICE")
    assert url.startswith(emulator.root_url)
    assert _post_json(url, {"text": "Only Alice sees this"}) == (200, {"ok": True})
    assert _post_json(url, {"response_type": "in_channel", "blocks": [_section("Everyone")]})[0]
    ephemeral, public = emulator.messages(channel)
    assert ephemeral["via_response_url"] is True
    assert ephemeral["ephemeral"] is True
    assert ephemeral["user"] == "U_ALICE"
    assert public["response_type"] == "in_channel"
    assert "ephemeral" not in public
    assert client.conversations_history(channel=channel)["messages"][0]["ts"] == public["ts"]

    status, body = _post_json(url, {"blocks": [{"type": "mystery"}]})
    assert status == 400
    assert body["error"] == "invalid_blocks"
    assert [c.method for c in emulator.calls("response_url")] == ["response_url"] * 3


def test_response_url_replaces_and_deletes_the_original(
    emulator: SlackEmulator, client: WebClient, channel: str
) -> None:
    original = client.chat_postMessage(channel=channel, text="Agree?", blocks=[_actions(_button())])
    url = emulator.response_url(channel, "U_ALICE", message_ts=original["ts"])
    _post_json(url, {"replace_original": True, "text": "Agreed by Alice"})
    (replaced,) = emulator.messages(channel)
    assert replaced["text"] == "Agreed by Alice"
    assert "blocks" not in replaced
    _post_json(url, {"delete_original": True})
    assert emulator.messages(channel) == []


def test_response_url_can_be_used_five_times(emulator: SlackEmulator, channel: str) -> None:
    url = emulator.response_url(channel, "U_BOB")
    for n in range(5):
        assert _post_json(url, {"text": f"update {n}"})[0] == 200
    assert _post_json(url, {"text": "one too many"}) == (404, {"ok": False, "error": "used_url"})
    assert _post_json(f"{emulator.root_url}/response/unknown", {"text": "x"})[0] == 404


# faults ----------------------------------------------------------------------


def test_rate_limit_is_retried_by_slack_sdk(emulator: SlackEmulator, channel: str) -> None:
    retrying = WebClient(
        token="xoxb-test",
        base_url=emulator.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    emulator.fail_next("chat.postMessage", retry_after=0)
    assert retrying.chat_postMessage(channel=channel, text="eventually")["ok"]
    statuses = [c.status for c in emulator.calls("chat.postMessage")]
    assert statuses == [429, 200]
    assert emulator.calls("chat.postMessage")[0].response == {"ok": False, "error": "ratelimited"}


def test_rate_limit_without_retry_raises_with_retry_after(
    emulator: SlackEmulator, client: WebClient, channel: str
) -> None:
    emulator.fail_next("chat.postMessage", retry_after=1, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel=channel, text="too fast")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"
        assert _error(caught) == "ratelimited"
    assert client.chat_postMessage(channel=channel, text="now fine")["ok"]


@pytest.mark.parametrize(
    ("status", "error"), [(500, "internal_error"), (503, "service_unavailable")]
)
def test_server_errors(emulator: SlackEmulator, client: WebClient, status: int, error: str) -> None:
    emulator.fail_next("users.info", status=status, retry_after=None)
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U_ALICE")
    assert caught.value.response.status_code == status
    assert _error(caught) == error
    assert "Retry-After" not in caught.value.response.headers
    assert client.users_info(user="U_ALICE")["ok"]


def test_reset_calls(emulator: SlackEmulator, client: WebClient) -> None:
    client.auth_test()
    emulator.reset_calls()
    assert emulator.calls() == []


# Block Kit validation --------------------------------------------------------

MESSAGE_REJECTIONS = [
    pytest.param(
        [_section("x")] * 51, "a message can hold at most 50 blocks (got 51)", id="blocks"
    ),
    pytest.param(
        [_section("x" * 3001)], "section text must be at most 3000 characters", id="section-text"
    ),
    pytest.param(
        [{"type": "section", "fields": [_mrkdwn("f")] * 11}],
        "a section can have at most 10 fields (got 11)",
        id="field-count",
    ),
    pytest.param(
        [{"type": "section", "fields": [_mrkdwn("f" * 2001)]}],
        "section field text must be at most 2000 characters",
        id="field-length",
    ),
    pytest.param(
        [_actions(_button(text=_plain("b" * 76)))],
        "button text must be at most 75 characters",
        id="button-text",
    ),
    pytest.param(
        [_actions(_button(action_id="a" * 256))],
        "action_id must be at most 255 characters",
        id="action-id",
    ),
    pytest.param(
        [_actions(_button(value="v" * 2001))],
        "button value must be at most 2000 characters",
        id="button-value",
    ),
    pytest.param(
        [{"type": "header", "text": _plain("h" * 151)}],
        "header text must be at most 150 characters",
        id="header-text",
    ),
    pytest.param(
        [{"type": "context", "elements": [_mrkdwn("c")] * 11}],
        "context blocks can have at most 10 elements (got 11)",
        id="context-elements",
    ),
    pytest.param(
        [_actions(*[_button(action_id=f"a{i}") for i in range(26)])],
        "actions blocks can have at most 25 elements (got 26)",
        id="actions-elements",
    ),
    pytest.param(
        [{**_section("x"), "block_id": "b" * 256}],
        "block_id must be at most 255 characters",
        id="block-id-length",
    ),
    pytest.param(
        [{**_section("x"), "block_id": "same"}, {**_section("y"), "block_id": "same"}],
        "duplicate block_id 'same'",
        id="block-id-unique",
    ),
    pytest.param([_section("")], "text must be a non-empty string", id="empty-mrkdwn"),
    pytest.param(
        [{"type": "header", "text": _plain("")}],
        "text must be a non-empty string",
        id="empty-plain-text",
    ),
    pytest.param(
        [{"type": "header", "text": _mrkdwn("*h*")}],
        "header text must be plain_text",
        id="header-mrkdwn",
    ),
    pytest.param([{"type": "mystery"}], "unsupported block type: 'mystery'", id="unknown-type"),
    pytest.param([{"text": _mrkdwn("x")}], "a block must be an object with a type", id="no-type"),
    pytest.param([{"type": "section"}], "a section needs text or fields", id="section-empty"),
    pytest.param(
        [{"type": "header"}], "missing required field: header text", id="header-missing-text"
    ),
    pytest.param(
        [{"type": "actions", "elements": []}],
        "actions elements must be a non-empty array",
        id="actions-empty",
    ),
    pytest.param(
        [_actions({"type": "button", "action_id": "x"})],
        "missing required field: button text",
        id="button-missing-text",
    ),
    pytest.param(
        [{"type": "image", "image_url": "https://example.org/a.png"}],
        "missing required field: alt_text",
        id="image-missing-alt-text",
    ),
    pytest.param(
        [_actions({"type": "fancy_widget"})],
        "unsupported element type here: 'fancy_widget'",
        id="unknown-element",
    ),
    pytest.param(
        [{**_section("x"), "colour": "red"}],
        "invalid additional property: colour",
        id="unknown-property",
    ),
    pytest.param(
        [{"type": "input", "label": _plain("Why"), "element": _button()}],
        "invalid input block",
        id="sdk-input-element",
    ),
]


@pytest.mark.parametrize(("blocks", "expected"), MESSAGE_REJECTIONS)
def test_message_blocks_slack_would_reject(
    client: WebClient, channel: str, blocks: list[dict[str, Any]], expected: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=channel, text="fallback", blocks=blocks)
    assert _error(caught) == "invalid_blocks"
    errors = caught.value.response["errors"]
    assert any(expected in e for e in errors), errors
    assert all("[json-pointer:/blocks" in e for e in errors)


def test_valid_block_kit_message_is_accepted(client: WebClient, channel: str) -> None:
    blocks = [
        {"type": "header", "text": _plain("Professional difference raised")},
        {
            "type": "section",
            "text": _mrkdwn("*Case* 1234 - escalation requested"),
            "fields": [_mrkdwn("*Stage*\n1"), _mrkdwn("*Due*\n3 working days")],
            "accessory": {
                "type": "static_select",
                "action_id": "stage",
                "placeholder": _plain("Stage"),
                "options": [{"text": _plain("Stage 1"), "value": "1"}],
            },
        },
        {"type": "divider"},
        _actions(
            _button(style="primary"),
            _button(action_id="escalate", text=_plain("Escalate"), style="danger"),
        ),
        {"type": "context", "elements": [_mrkdwn("Raised by <@U_ALICE>")]},
    ]
    assert client.chat_postMessage(channel=channel, text="Difference", blocks=blocks)["ok"]
    limit = [_section(f"line {i}") for i in range(50)]
    assert client.chat_postMessage(channel=channel, text="long", blocks=limit)["ok"]


MODAL_REJECTIONS = [
    pytest.param(
        _modal(blocks=[{"type": "divider"}] * 101),
        "a modal can hold at most 100 blocks (got 101)",
        id="blocks",
    ),
    pytest.param(
        _modal(title=_plain("t" * 25)), "modal title must be at most 24 characters", id="title"
    ),
    pytest.param(
        _modal(submit=_plain("s" * 25)), "modal submit must be at most 24 characters", id="submit"
    ),
    pytest.param(
        _modal(close=_plain("c" * 25)), "modal close must be at most 24 characters", id="close"
    ),
    pytest.param(_modal(type="home"), "view type must be 'modal'", id="type"),
    pytest.param(
        {k: v for k, v in _modal().items() if k != "title"},
        "missing required field: modal title",
        id="no-title",
    ),
    pytest.param(
        _modal(
            blocks=[
                {
                    "type": "input",
                    "label": _plain("Reason"),
                    "element": {"type": "plain_text_input", "action_id": "reason"},
                }
            ]
        ),
        "a modal with input blocks must have submit",
        id="input-without-submit",
    ),
    pytest.param(
        _modal(blocks=[_section("x" * 3001)]), "section text must be at most 3000", id="block"
    ),
]


@pytest.mark.parametrize(("view", "expected"), MODAL_REJECTIONS)
def test_modals_slack_would_reject(
    emulator: SlackEmulator, client: WebClient, view: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id="t", view=view)
    assert _error(caught) == "invalid_arguments"
    messages = caught.value.response["response_metadata"]["messages"]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("[ERROR] ") for m in messages)
    assert emulator.views_opened() == []


def test_home_views_slack_would_reject(client: WebClient) -> None:
    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    with pytest.raises(SlackApiError) as caught:
        client.views_publish(user_id="U_ALICE", view=too_many)
    assert "a home can hold at most 100 blocks" in str(caught.value.response["response_metadata"])
    with pytest.raises(SlackApiError) as caught:
        client.views_publish(user_id="U_ALICE", view=_modal())
    assert "view type must be 'home'" in str(caught.value.response["response_metadata"])
    at_limit = {"type": "home", "blocks": [{"type": "divider"}] * 100}
    assert client.views_publish(user_id="U_ALICE", view=at_limit)["ok"]


def test_validators_work_on_their_own() -> None:
    assert validate_blocks([_section("fine")], surface="message") == []
    assert validate_blocks([_section("x" * 3001)], surface="modal") == [
        "section text must be at most 3000 characters (got 3001) [json-pointer:/blocks/0/text/text]"
    ]
    assert validate_view(_modal(), allowed_types=["modal"]) == []
    with pytest.raises(ValueError):
        validate_blocks([], surface="email")


def test_slow_next_delays_one_call_while_others_are_served(emulator: SlackEmulator) -> None:
    client = WebClient(token="xoxb-test", base_url=emulator.base_url)
    emulator.slow_next("auth.test", seconds=0.5)
    finished: list[float] = []
    began = time.monotonic()
    slow = threading.Thread(target=lambda: (client.auth_test(), finished.append(time.monotonic())))
    slow.start()
    time.sleep(0.05)
    client.api_call("auth.test")  # not delayed: only the next call was
    quick = time.monotonic() - began
    slow.join()
    assert quick < 0.4
    assert finished[0] - began >= 0.5


def test_hold_next_answers_one_call_only_when_released(emulator: SlackEmulator) -> None:
    client = WebClient(token="xoxb-test", base_url=emulator.base_url)
    emulator.add_user("U_ALICE", "alice")
    release = emulator.hold_next("auth.test")
    answered = threading.Event()
    held = threading.Thread(target=lambda: (client.auth_test(), answered.set()))
    held.start()
    assert client.users_info(user="U_ALICE")["ok"]  # other calls are served meanwhile
    assert not answered.wait(0.3)
    release.set()
    held.join(timeout=10)
    assert answered.is_set()
    assert [call.status for call in emulator.calls("auth.test")] == [200]


def test_messages_and_calls_since_leave_out_the_ones_already_read(emulator: SlackEmulator) -> None:
    client = WebClient(token="xoxb-test", base_url=emulator.base_url)
    channel = emulator.add_channel("general", members=[emulator.bot_user_id])["id"]
    for text in ("one", "two", "three"):
        client.chat_postMessage(channel=channel, text=text)
    assert [m["text"] for m in emulator.messages(since=1)] == ["two", "three"]
    assert [m["text"] for m in emulator.messages(channel, since=3)] == []
    assert [c.params["text"] for c in emulator.calls("chat.postMessage", since=2)] == ["three"]

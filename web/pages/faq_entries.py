"""Growing the help: FAQ entries written by support staff (from a ticket's answer, or from a group of questions the
help did not answer), a box to try a question as the bot would answer it, and the unanswered questions grouped.
For the roles with the help-desk permission. These paths come before /support/{ticket_id}."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import Response

from core.domain.errors import DomainError
from core.domain.faq_entries import MAX_ANSWER, MAX_ASKED, MAX_QUESTION
from core.domain.staff import Permission
from core.languages import LANGUAGES
from core.services import faq
from web.api.fields import IdPath
from web.deps import DeskDep, FormStaff, PageStaff
from web.errors import explain, status_of
from web.i18n import language_of, translator
from web.pages.common import back, notice, render

router = APIRouter()

QuestionField = Annotated[str, Form(max_length=4 * MAX_QUESTION)]
AnswerField = Annotated[str, Form(max_length=2 * MAX_ANSWER)]
AskedField = Annotated[str, Form(max_length=2 * MAX_ASKED)]
MAX_TRY = 500


_ID = re.compile(r"[0-9]{1,9}")


def _ids(text: str) -> list[int]:
    """ "12,15,19" → [12, 15, 19]; anything else in it is left out (the form's own hidden field; "²" is a digit
    to str.isdigit, but not to int)."""
    return [int(part) for part in (p.strip() for p in text.split(",")) if _ID.fullmatch(part)][:1000]


@router.get("/support/faq")
async def entries_page(desk: DeskDep, member: PageStaff, q: Annotated[str, Query(max_length=MAX_TRY)] = "") -> Response:
    member.require(Permission.HELP_DESK)
    in_force, retired = await faq.entries(desk.reader, member)
    library = await desk.ctx.runtime.help.library()
    tried, confident = [], False
    if q.strip():  # as the bot would answer it: the topics in the question's own language
        answer = library.index.ask(q, k=5)
        language = library.index.language_of(q)
        translate = desk.request.app.state.translations[language].gettext
        confident = answer.confident
        tried = [
            (m.topic.key, m.score, m.topic.question_in(language, translate), m.topic.answer_in(language, translate))
            for m in answer.matches
        ]
    return render(
        desk.request,
        "faq.html",
        member,
        nav="support",
        entries=in_force,
        retired=retired,
        q=q,
        tried=tried,
        confident=confident,
        notice=notice(desk.request),
    )


def _form(desk: DeskDep, member: PageStaff, draft: faq.Draft, **extra: object) -> Response:
    return render(
        desk.request,
        "faq_entry.html",
        member,
        nav="support",
        draft=draft,
        languages=LANGUAGES,
        max_question=MAX_QUESTION,
        max_answer=MAX_ANSWER,
        max_asked=MAX_ASKED,
        **extra,
    )


@router.get("/support/faq/new")
async def new_entry(
    desk: DeskDep,
    member: PageStaff,
    ticket: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    questions: Annotated[str, Query(max_length=20_000)] = "",
) -> Response:
    """The form, filled from a ticket (its question and the last answer) or from a group of questions."""
    member.require(Permission.HELP_DESK)
    if ticket is not None:
        draft = await faq.draft_from_ticket(desk.reader, member, ticket)
    elif questions:
        draft = await faq.draft_from_questions(desk.reader, member, _ids(questions))
    else:
        draft = faq.Draft({}, "")
    return _form(desk, member, draft, action="/support/faq")


@dataclass(frozen=True, slots=True)
class Typed:
    """What the entry form holds: each language's question and answer, and the other ways of asking."""

    texts: dict[str, tuple[str, str]]
    asked: str


def typed_entry(
    question_id: QuestionField = "",
    answer_id: AnswerField = "",
    question_en: QuestionField = "",
    answer_en: AnswerField = "",
    asked: AskedField = "",
) -> Typed:
    """The entry form's fields, for writing an entry and for changing one."""
    return Typed({"id": (question_id, answer_id), "en": (question_en, answer_en)}, asked)


TypedEntry = Annotated[Typed, Depends(typed_entry)]


@router.post("/support/faq")
async def write(
    desk: DeskDep,
    member: FormStaff,
    typed: TypedEntry,
    ticket: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    questions: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    ids = _ids(questions)
    try:
        await faq.write_entry(desk.uow, member, typed.texts, typed.asked, desk.now, ticket_id=ticket, question_ids=ids)
    except DomainError as err:  # the form again, as typed, the refusal in the officer's language
        draft = faq.Draft(typed.texts, typed.asked, ticket, tuple(ids))
        error = explain(err, translator(desk.request))
        return _form(desk, member, draft, action="/support/faq", error=error, status_code=status_of(err))
    return back("/support/faq", done="faq_written")


@router.get("/support/faq/{entry_id}")
async def entry_page(desk: DeskDep, member: PageStaff, entry_id: IdPath) -> Response:
    found = await faq.entry(desk.reader, member, entry_id)
    texts = {k: (t.question, t.answer) for k, t in found.texts.items()}
    draft = faq.Draft(texts, "\n".join(found.asked), found.ticket_id)
    return _form(desk, member, draft, action=f"/support/faq/{entry_id}", entry=found)


@router.post("/support/faq/{entry_id}")
async def change(
    desk: DeskDep,
    member: FormStaff,
    entry_id: IdPath,
    typed: TypedEntry,
) -> Response:
    try:
        await faq.change_entry(desk.uow, member, entry_id, typed.texts, typed.asked, desk.now)
    except DomainError as err:
        found = await faq.entry(desk.reader, member, entry_id)
        error = explain(err, translator(desk.request))
        draft = faq.Draft(typed.texts, typed.asked, found.ticket_id)
        return _form(
            desk, member, draft, action=f"/support/faq/{entry_id}", entry=found, error=error,
            status_code=status_of(err),
        )  # fmt: skip
    return back("/support/faq", done="faq_written")


@router.post("/support/faq/{entry_id}/retire")
async def retire(desk: DeskDep, member: FormStaff, entry_id: IdPath) -> Response:
    await faq.retire_entry(desk.uow, member, entry_id, desk.now)
    return back("/support/faq", done="faq_retired")


@router.get("/support/questions")
async def questions_page(desk: DeskDep, member: PageStaff) -> Response:
    member.require(Permission.HELP_DESK)
    library = await desk.ctx.runtime.help.library()
    groups = await faq.unanswered_groups(desk.reader, member, library, desk.now)
    language, translate = language_of(desk.request), translator(desk.request)
    return render(
        desk.request,
        "questions.html",
        member,
        nav="support",
        groups=groups,
        topic_question=lambda topic: topic.question_in(language, translate),
        days=faq.UNANSWERED_DAYS,
        notice=notice(desk.request),
    )


@router.post("/support/questions/set-aside")
async def set_aside(
    desk: DeskDep, member: FormStaff, questions: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    await faq.set_aside(desk.uow, member, _ids(questions), desk.now)
    return back("/support/questions", done="set_aside")

"""The conversation's named states; `states.mmd` beside this file draws the flow."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    consent = State()  # the data-use consent, before anything is stored
    full_name = State()
    nik = State()
    birth_date = State()  # confirm the date the NIK encodes, or type another
    family_card = State()
    phone = State()  # shared with Telegram's contact button


class Booking(StatesGroup):
    office = State()  # type a city or province; or browse by province
    party = State()  # who comes, and new passport or replacement for each
    calendar = State()  # a month of dates with their states
    slot = State()  # the date's arrival times with places left
    summary = State()  # places held; confirm or go back
    move = State()  # moving a booking: a new time chosen (nothing held); move or go back


class Family(StatesGroup):
    full_name = State()  # as on the e-KTP, or the birth certificate for a child
    nik = State()
    birth_date = State()  # confirm the date the NIK encodes, or type another


class Alerts(StatesGroup):
    office = State()  # type a city or province: the office whose openings to follow


class Asking(StatesGroup):
    question = State()  # the question for support staff, typed (after "Ask a person" with none typed before)

"""The conversation's named states; `states.mmd` beside this file draws the flow."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    consent = State()  # the data-use consent, before anything is stored
    full_name = State()
    nik = State()
    birth_date = State()  # confirm the date the NIK encodes, or type another
    family_card = State()
    phone = State()  # shared with Telegram's contact button

"""Fact sheet for the Quillnote demo support datasets (used by ``generate_demo_data.py``).

Quillnote is a fictional note-taking and team-wiki app. Every fact below is invented, so a base model cannot
know it; a model fine-tuned on the generated data should learn it. Each fact has:

* ``answer``: the one canonical support answer (1-3 sentences, at most 60 words), reused verbatim
  in every file.
* ``wrong``: a plausible but incorrect answer in the same style, used as a "wrong" rejected preference answer.
* ``questions``: user paraphrases used for training (sft.jsonl and preference.jsonl).
* ``held_out``: paraphrases reserved for golden.jsonl and never used for training.

Plan facts that several answers rely on (keep them consistent when editing):

=============  ======  =============  =========================  =======  ==============
Plan           Price   Storage        Upload cap                 Devices  Page history
=============  ======  =============  =========================  =======  ==============
Free           $0      1 GB           25 MB                      3        7 days
Plus           $6/mo   20 GB          2 GB                       no cap   30 days
Team           $10/mo  100 GB/member  2 GB                       no cap   90 days
Enterprise     custom  unlimited      2 GB                       no cap   forever
=============  ======  =============  =========================  =======  ==============

Team is priced per member; annual billing gives two months free; Enterprise starts at 50 seats; the API
allows 100 requests per minute per token; Trash keeps pages for 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_PROMPT = "You are Quill, the support assistant for Quillnote. Answer accurately and concisely."


@dataclass(frozen=True)
class Fact:
    """One invented product fact with its canonical answer and user paraphrases."""

    key: str
    category: str
    answer: str
    wrong: str
    questions: tuple[str, ...]
    held_out: tuple[str, ...]


CATEGORIES: tuple[str, ...] = (
    "billing",
    "account",
    "sync",
    "shortcuts",
    "errors",
    "export",
    "integrations",
    "security",
)

# Short human label per category, used in filler sentences of "verbose" rejected answers.
CATEGORY_TOPICS: dict[str, str] = {
    "billing": "billing and plans",
    "account": "accounts",
    "sync": "sync and storage",
    "shortcuts": "keyboard shortcuts",
    "errors": "error codes",
    "export": "importing and exporting",
    "integrations": "integrations",
    "security": "security",
}

# Optional context sentences a user may put before a question. None of them changes the right answer.
CATEGORY_CONTEXTS: dict[str, tuple[str, ...]] = {
    "billing": (
        "I'm on the Team plan.",
        "I'm the admin for my company's workspace.",
        "I'm thinking about upgrading.",
        "I handle the finance side for our team.",
    ),
    "account": (
        "I've had my account for a couple of years.",
        "I'm setting things up for a new job.",
        "I manage a small team's workspace.",
    ),
    "sync": (
        "I use Quillnote on my laptop and my phone.",
        "I travel a lot for work.",
        "I'm on the Plus plan.",
    ),
    "shortcuts": (
        "I'm trying to use the mouse less.",
        "I'm new to Quillnote.",
        "I write a lot of notes every day.",
    ),
    "errors": (
        "Something went wrong a minute ago.",
        "I just got an error in the desktop app.",
        "This started happening today.",
    ),
    "export": (
        "We're migrating our documentation.",
        "I want to keep a copy of my notes.",
        "I'm moving my notes over from another app.",
    ),
    "integrations": (
        "Our team uses a lot of different tools.",
        "I'm setting up our workspace for the engineering team.",
        "I like automating things.",
    ),
    "security": (
        "Our IT team is reviewing Quillnote.",
        "I'm doing a security review for my company.",
        "I'm the workspace admin.",
    ),
}

BILLING: tuple[Fact, ...] = (
    Fact(
        key="plan_prices",
        category="billing",
        answer=(
            "Quillnote has four plans: Free at $0, Plus at $6 per month, Team at $10 per member per month, "
            "and Enterprise with custom pricing from 50 seats. Paying annually gets you two months free."
        ),
        wrong=(
            "Quillnote has three plans: Free at $0, Pro at $8 per month and Business at $15 per member per "
            "month. Annual billing saves you 10%."
        ),
        questions=(
            "How much does Quillnote cost?",
            "What are the prices of the different plans?",
            "Can you tell me the pricing for Plus and Team?",
            "What plans do you offer and what do they cost?",
            "Is there a discount if I pay yearly?",
            "How much is the Team plan per user?",
        ),
        held_out=(
            "What's the monthly price of each Quillnote tier?",
            "Could you break down the cost of your subscription options?",
        ),
    ),
    Fact(
        key="refunds",
        category="billing",
        answer=(
            "You can get a full refund within 14 days of any charge from Settings > Billing > Request "
            "refund. After 14 days we don't give partial refunds, but you can cancel to stop the next "
            "renewal."
        ),
        wrong=(
            "You can get a full refund within 30 days of any charge by emailing billing@quillnote.com. After "
            "that we refund the unused part of your plan pro rata."
        ),
        questions=(
            "What is your refund policy?",
            "Can I get my money back?",
            "I was charged for the annual plan by mistake, can I get a refund?",
            "How do I request a refund?",
            "Do you give partial refunds if I cancel mid-year?",
            "How many days do I have to ask for a refund?",
        ),
        held_out=(
            "I regret upgrading yesterday. Is it possible to be reimbursed?",
            "Is there a money-back window after I'm billed?",
        ),
    ),
    Fact(
        key="cancel_plan",
        category="billing",
        answer=(
            "Go to Settings > Billing > Manage plan and click Cancel plan. You keep paid features until the "
            "end of the current billing period, then your workspace moves to Free without deleting any "
            "notes."
        ),
        wrong=(
            "Go to Settings > Account > Subscription and click Downgrade. Paid features stop immediately, "
            "and notes over the Free limits are archived after 7 days."
        ),
        questions=(
            "How do I cancel my subscription?",
            "I want to stop paying for Plus. What do I do?",
            "How can I downgrade to the free plan?",
            "Will I lose my notes if I cancel?",
            "Where is the button to cancel my plan?",
            "What happens when I cancel my paid plan?",
        ),
        held_out=(
            "How do I end my Quillnote subscription and go back to free?",
            "I'd like to stop my plan from renewing. How?",
        ),
    ),
    Fact(
        key="payment_methods",
        category="billing",
        answer=(
            "We accept Visa, Mastercard, American Express and PayPal. Annual Team and Enterprise plans can "
            "also pay by bank transfer against an invoice."
        ),
        wrong=(
            "We accept Visa, Mastercard and Apple Pay. PayPal and bank transfers aren't supported on any "
            "plan, including Enterprise."
        ),
        questions=(
            "What payment methods do you accept?",
            "Can I pay with PayPal?",
            "Do you take American Express?",
            "Is it possible to pay by bank transfer?",
            "Which credit cards can I use?",
            "Can our company pay by invoice instead of a card?",
        ),
        held_out=(
            "What are my options for paying for Quillnote?",
            "Besides credit cards, how else can I pay?",
        ),
    ),
    Fact(
        key="invoices",
        category="billing",
        answer=(
            "Open Settings > Billing > Invoices to download any invoice as a PDF. Add your company name and "
            "VAT ID under Billing details, and they will appear on all future invoices."
        ),
        wrong=(
            "Invoices are only sent by email when you're charged. To add a company name or VAT ID, contact "
            "support and we'll reissue the invoice within 5 business days."
        ),
        questions=(
            "Where can I find my invoices?",
            "How do I download a receipt for my last payment?",
            "How do I add our VAT number to invoices?",
            "Can I get a PDF invoice?",
            "I need to put my company name on the invoice. How?",
            "Where do I see my billing history?",
        ),
        held_out=(
            "My accountant needs copies of our past bills. Where are they?",
            "How can I get our tax ID printed on Quillnote receipts?",
        ),
    ),
    Fact(
        key="discounts",
        category="billing",
        answer=(
            "Students and teachers get Plus free for one year with a school email address, and registered "
            "nonprofits get 50% off Team. Apply at quillnote.com/education or quillnote.com/nonprofit."
        ),
        wrong=(
            "Students get 20% off Plus after uploading a valid student ID under Settings > Billing, but we "
            "don't currently offer any discounts for teachers, schools, universities or nonprofit "
            "organizations."
        ),
        questions=(
            "Do you have a student discount?",
            "Is Quillnote free for teachers?",
            "Are there discounts for nonprofits?",
            "I'm a university student. Can I get Plus cheaper?",
            "Do you offer education pricing?",
            "How do nonprofit organizations apply for a discount?",
        ),
        held_out=(
            "Does Quillnote have special pricing for schools or charities?",
            "I teach high school. Is there any deal for educators?",
        ),
    ),
    Fact(
        key="team_trial",
        category="billing",
        answer=(
            "The Team plan has a 14-day free trial with no credit card required. When it ends, your "
            "workspace moves to Free unless an admin adds a payment method under Settings > Billing."
        ),
        wrong=(
            "The Team plan has a 30-day free trial, but you need a credit card to start it. When it ends, "
            "you're charged automatically for every member."
        ),
        questions=(
            "Is there a free trial?",
            "Can I try the Team plan before paying?",
            "How long is the Team trial?",
            "Do I need a credit card for the trial?",
            "What happens when my trial ends?",
            "Will I be charged automatically after the free trial?",
        ),
        held_out=(
            "Can my team test Quillnote's paid features for free first?",
            "How many days do we get to evaluate the Team plan?",
        ),
    ),
)

ACCOUNT: tuple[Fact, ...] = (
    Fact(
        key="delete_account",
        category="account",
        answer=(
            "Go to Settings > Account > Delete account and confirm with your password. Your data is "
            "permanently erased after a 30-day grace period, and signing in again before then cancels the "
            "deletion."
        ),
        wrong=(
            "Go to Settings > Account > Delete account and confirm with your password. Your data is erased "
            "immediately and can't be recovered, even by support."
        ),
        questions=(
            "How do I delete my account?",
            "I want to close my Quillnote account permanently.",
            "Can I undo deleting my account?",
            "How long until my data is gone after deleting my account?",
            "Where is the option to remove my account?",
            "Please delete all my data. How do I do that?",
        ),
        held_out=(
            "What's the process for permanently erasing my Quillnote profile?",
            "If I delete my account by accident, can I get it back?",
        ),
    ),
    Fact(
        key="change_email",
        category="account",
        answer=(
            "Go to Settings > Account > Email, enter the new address and click the confirmation link we send "
            "to it. Your old address keeps working for sign-in until you confirm."
        ),
        wrong=(
            "You can't change the email on an existing account. Create a new account with the new address "
            "and move your notes over with Export and Import."
        ),
        questions=(
            "How do I change my email address?",
            "Can I update the email on my account?",
            "I'm switching jobs and need to use a different email. How?",
            "Where do I change my login email?",
            "Is it possible to move my account to a new email?",
            "How can I replace my old email with a new one?",
        ),
        held_out=(
            "My sign-in address is outdated. How do I switch it?",
            "What are the steps to update the email tied to my Quillnote account?",
        ),
    ),
    Fact(
        key="reset_password",
        category="account",
        answer=(
            "Click Forgot password on the sign-in screen and we'll email you a reset link that's valid for 1 "
            "hour. If it doesn't arrive, check your spam folder or request a new link."
        ),
        wrong=(
            "Click Forgot password on the sign-in screen and we'll text a 6-digit code to the phone number "
            "on your account. The code is valid for 24 hours, and you can request up to three codes a day."
        ),
        questions=(
            "I forgot my password.",
            "How do I reset my password?",
            "The password reset link doesn't work anymore.",
            "How long is the reset link valid?",
            "I can't log in because I don't remember my password.",
            "I didn't receive the password reset email.",
        ),
        held_out=(
            "How can I recover access if I've lost my Quillnote password?",
            "What do I do to set a new password when I can't remember the old one?",
        ),
    ),
    Fact(
        key="two_factor",
        category="account",
        answer=(
            "Turn on two-factor authentication under Settings > Security > Two-factor authentication and "
            "scan the QR code with any authenticator app. Save the 10 backup codes somewhere safe in case "
            "you lose your phone."
        ),
        wrong=(
            "Turn on two-factor authentication under Settings > Account > Login and enter your phone number "
            "to get codes by SMS. If you lose your phone, 2FA is removed automatically after 7 days."
        ),
        questions=(
            "How do I set up two-factor authentication?",
            "Does Quillnote support 2FA?",
            "Can I use Google Authenticator with Quillnote?",
            "How do I enable 2FA on my account?",
            "What if I lose my phone with my authenticator app?",
            "Where are the two-step verification settings?",
        ),
        held_out=(
            "I'd like an extra layer of login security. How do I turn it on?",
            "Is there a way to require a code from my phone when I log in?",
        ),
    ),
    Fact(
        key="transfer_ownership",
        category="account",
        answer=(
            "The current owner can go to Settings > Members, open the menu next to another admin and choose "
            "Make owner. Each workspace has exactly one owner, and ownership can only go to an existing "
            "admin."
        ),
        wrong=(
            "Any admin can go to Settings > Members and choose Make owner next to any member, including "
            "guests. A workspace can have up to three owners, and they share billing access."
        ),
        questions=(
            "How do I transfer ownership of our workspace?",
            "I'm leaving the company. How do I hand the workspace over to a colleague?",
            "Can I make someone else the workspace owner?",
            "Can a workspace have more than one owner?",
            "How do I change the owner of the workspace?",
            "Who can become the new owner of a workspace?",
        ),
        held_out=(
            "Our workspace owner is moving on. How does ownership get reassigned?",
            "What's the way to pass workspace ownership to another person?",
        ),
    ),
    Fact(
        key="multiple_workspaces",
        category="account",
        answer=(
            "You can join as many workspaces as you like with one account. Switch between them from the "
            "workspace menu in the top-left corner, and each workspace keeps its own plan and billing."
        ),
        wrong=(
            "Each account can belong to only one workspace. To use a second workspace, sign up again with a "
            "different email address and switch by signing out and back in."
        ),
        questions=(
            "Can I be in more than one workspace?",
            "How do I switch between workspaces?",
            "I have a personal and a work workspace. Do I need two accounts?",
            "Can one account join several workspaces?",
            "Where do I switch to my other workspace?",
            "Does each workspace need its own subscription?",
        ),
        held_out=(
            "Is it possible to use a single login for my job and my side project workspaces?",
            "How do I move between different Quillnote workspaces?",
        ),
    ),
    Fact(
        key="guests",
        category="account",
        answer=(
            "Team and Enterprise workspaces can invite guests for free. Guests can only view or edit the "
            "pages shared with them, and each workspace can have up to 100 guests."
        ),
        wrong=(
            "Guests are available on every plan but cost $5 per month each. They can see every page in the "
            "workspace, and there's no limit on the number of guests."
        ),
        questions=(
            "Can I invite people outside my company?",
            "How do guests work?",
            "Do guests count as paid members?",
            "How many guests can we invite?",
            "Can I share a page with a client without paying for a seat?",
            "What can guests see in our workspace?",
        ),
        held_out=(
            "Is there a way to collaborate with external contractors at no extra cost?",
            "What limits apply to guest access in Quillnote?",
        ),
    ),
)

SYNC: tuple[Fact, ...] = (
    Fact(
        key="offline_mode",
        category="sync",
        answer=(
            "Offline mode is built into the desktop and mobile apps on every plan. Recently opened notes "
            "work offline and sync when you reconnect; to keep a whole notebook offline, right-click it and "
            "choose Make available offline."
        ),
        wrong=(
            "Offline mode is only available on Plus and above, and only in the desktop apps, not on mobile. "
            "Turn it on under Settings > Sync and it downloads your whole workspace, which can take a long "
            "while for large teams."
        ),
        questions=(
            "Does Quillnote work offline?",
            "Can I use Quillnote without an internet connection?",
            "How do I make a notebook available offline?",
            "Is offline mode available on the free plan?",
            "Will my edits sync when I get back online?",
            "I'm going on a flight. Can I still edit my notes?",
        ),
        held_out=(
            "What happens to my notes when I lose wifi?",
            "Can I access my notebooks with no connectivity?",
        ),
    ),
    Fact(
        key="sync_stuck",
        category="sync",
        answer=(
            "Check the sync icon in the bottom-left corner: a green check means everything is synced. If "
            "it's stuck, click the icon and choose Sync now, or sign out and back in to reset the "
            "connection."
        ),
        wrong=(
            "Sync runs once an hour, so changes can take up to 60 minutes to appear on your other devices. "
            "If it seems stuck, reinstall the app to clear the sync queue and start again."
        ),
        questions=(
            "My notes aren't syncing.",
            "How do I force a sync?",
            "Sync seems stuck. What should I do?",
            "How can I tell if my notes are synced?",
            "Changes from my laptop don't show up on my phone.",
            "What does the sync icon mean?",
        ),
        held_out=(
            "Edits I make on desktop never appear on my tablet. How do I fix this?",
            "Is there a way to manually trigger syncing?",
        ),
    ),
    Fact(
        key="device_limit",
        category="sync",
        answer=(
            "The Free plan syncs across up to 3 devices, while Plus, Team and Enterprise have unlimited "
            "devices. You can remove an old device under Settings > Account > Devices."
        ),
        wrong=(
            "The Free plan syncs across up to 2 devices, and Plus allows up to 5. Team and Enterprise allow "
            "10 devices per member."
        ),
        questions=(
            "How many devices can I use?",
            "Is there a device limit on the free plan?",
            "I hit the device limit. What can I do?",
            "How do I remove an old device from my account?",
            "Can I sync on my phone, tablet, laptop and desktop for free?",
            "Does Plus have unlimited devices?",
        ),
        held_out=(
            "What's the maximum number of devices I can sync with?",
            "I got a new phone and can't add it. How do I get rid of my old one?",
        ),
    ),
    Fact(
        key="storage_limits",
        category="sync",
        answer=(
            "Storage is 1 GB on Free, 20 GB on Plus, 100 GB per member on Team and unlimited on Enterprise. "
            "Single file uploads are capped at 25 MB on Free and 2 GB on paid plans."
        ),
        wrong=(
            "Storage is 500 MB on Free, 10 GB on Plus and 50 GB per member on Team. Single file uploads are "
            "capped at 100 MB on every plan."
        ),
        questions=(
            "How much storage do I get?",
            "What's the storage limit on each plan?",
            "What's the maximum file size I can upload?",
            "How much space does the free plan include?",
            "Is storage on the Team plan per user?",
            "Can I upload a 1 GB video?",
        ),
        held_out=(
            "How big can my attachments and total storage be?",
            "What are the space limits for Free versus Plus?",
        ),
    ),
    Fact(
        key="version_history",
        category="sync",
        answer=(
            "Page history is kept for 7 days on Free, 30 days on Plus, 90 days on Team and forever on "
            "Enterprise. Open the page menu, choose Page history, pick a version and click Restore."
        ),
        wrong=(
            "Page history is kept for 30 days on every plan. Open Settings > Backups and choose a date to "
            "restore the whole workspace to that point."
        ),
        questions=(
            "How long is version history kept?",
            "Can I restore an older version of a page?",
            "How do I see previous versions of a note?",
            "I accidentally overwrote my notes. Can I go back?",
            "Does the Team plan have longer page history?",
            "Where do I find page history?",
        ),
        held_out=(
            "How far back can I roll back edits to a document?",
            "Is there a way to undo changes someone made to a page last week?",
        ),
    ),
    Fact(
        key="trash",
        category="sync",
        answer=(
            "Deleted pages stay in Trash for 30 days on every plan. Open Trash at the bottom of the sidebar, "
            "find the page and click Restore; after 30 days it's deleted permanently."
        ),
        wrong=(
            "Deleted pages are kept for 7 days and only admins can restore them. Ask your workspace admin to "
            "recover the page from Settings > Workspace > Deleted items."
        ),
        questions=(
            "I deleted a page by mistake. Can I get it back?",
            "Where is the trash?",
            "How long do deleted notes stay in the trash?",
            "How do I restore a deleted note?",
            "Are deleted pages gone forever?",
            "Can I recover a notebook I removed yesterday?",
        ),
        held_out=(
            "Is there a recycle bin for notes I've thrown away?",
            "How can I bring back a page that I removed?",
        ),
    ),
    Fact(
        key="conflict_copies",
        category="sync",
        answer=(
            "If the same page is edited on two devices while offline, Quillnote keeps both versions and adds "
            "a conflict copy, named after the device, next to the original. Compare them, merge what you "
            "need and delete the copy."
        ),
        wrong=(
            "If the same page is edited on two devices while offline, the most recent edit wins and the "
            "other changes are discarded automatically. To avoid losing any work, always sync by hand under "
            "Settings > Sync before you go offline."
        ),
        questions=(
            "What happens if I edit the same note on two devices offline?",
            "Why do I have a page called conflict copy?",
            "How does Quillnote handle sync conflicts?",
            "I see two versions of the same page. Which one is right?",
            "Do I lose changes when two people edit offline?",
            "What is a conflict copy?",
        ),
        held_out=(
            "Two of my devices changed one note without internet. Which edits survive?",
            "Why did a duplicate of my page appear with a device name in the title?",
        ),
    ),
    Fact(
        key="platforms",
        category="sync",
        answer=(
            "Quillnote has desktop apps for Windows 10 or later, macOS 12 or later and Linux (Ubuntu and "
            "Debian), mobile apps for iOS 16+ and Android 10+, and a web app at app.quillnote.com."
        ),
        wrong=(
            "Quillnote has desktop apps for Windows and macOS and a web app, but there are no mobile or "
            "Linux apps yet. On a phone or tablet, you can open the web app in your browser instead."
        ),
        questions=(
            "Which platforms does Quillnote run on?",
            "Is there a Linux app?",
            "Do you have an Android app?",
            "Can I use Quillnote in the browser?",
            "What macOS version do I need?",
            "Does Quillnote work on iPhone?",
        ),
        held_out=(
            "What operating systems are supported by the Quillnote apps?",
            "Is Quillnote available for both desktop and mobile?",
        ),
    ),
)

SHORTCUTS: tuple[Fact, ...] = (
    Fact(
        key="quick_search",
        category="shortcuts",
        answer=(
            "Press Ctrl+K (Cmd+K on Mac) to open Quick Search from anywhere. Start typing a page title or "
            "any text inside a note, then press Enter to jump to the result."
        ),
        wrong=(
            "Press Ctrl+F (Cmd+F on Mac) to open Quick Search. It only searches page titles in the current "
            "notebook, not the text inside your notes."
        ),
        questions=(
            "What's the shortcut for search?",
            "How do I quickly find a note?",
            "Is there a keyboard shortcut to jump to a page?",
            "How do I open Quick Search?",
            "Can I search inside my notes with a shortcut?",
            "What does Ctrl+K do?",
        ),
        held_out=(
            "Which keys open the search bar in Quillnote?",
            "How can I find a page without using the mouse?",
        ),
    ),
    Fact(
        key="new_page",
        category="shortcuts",
        answer=(
            "Press Ctrl+N (Cmd+N on Mac) to create a new page in the current notebook. Ctrl+Shift+N "
            "(Cmd+Shift+N) creates a quick note in your Inbox instead."
        ),
        wrong=(
            "Press Ctrl+T (Cmd+T on Mac) to create a new page at the top of your sidebar. Quick notes can "
            "only be created from the toolbar button in the top-right corner."
        ),
        questions=(
            "What's the shortcut for a new note?",
            "How do I create a page with the keyboard?",
            "Is there a shortcut for a quick note?",
            "How do I add a new page quickly?",
            "What does Ctrl+Shift+N do?",
            "Keyboard shortcut to make a new note on Mac?",
        ),
        held_out=(
            "Which keys start a fresh page in Quillnote?",
            "How can I jot something down fast without opening a notebook?",
        ),
    ),
    Fact(
        key="slash_menu",
        category="shortcuts",
        answer=(
            "Type / at the start of any line to open the block menu. From there you can insert headings, "
            "checklists, tables, code blocks and embeds, and you can keep typing to filter the list."
        ),
        wrong=(
            "Right-click anywhere in a page to open the block menu. Tables and code blocks can only be added "
            "from the Insert menu in the toolbar."
        ),
        questions=(
            "How do I add a table?",
            "What does typing a slash do?",
            "How do I insert a code block?",
            "Where is the block menu?",
            "How can I add a heading or checklist?",
            "Is there a quick way to insert different block types?",
        ),
        held_out=(
            "What's the fastest way to add an embed or a table while typing?",
            "How do slash commands work in Quillnote?",
        ),
    ),
    Fact(
        key="page_links",
        category="shortcuts",
        answer=(
            "Type [[ followed by a page title to link to another page, then press Enter to pick it from the "
            "list. The linked page shows the connection in its Backlinks panel."
        ),
        wrong=(
            "Select some text, press Ctrl+L (Cmd+L on Mac) and paste the page's URL. Quillnote doesn't track "
            "backlinks between pages."
        ),
        questions=(
            "How do I link to another page?",
            "How do backlinks work?",
            "What does typing [[ do?",
            "Can I connect two notes together?",
            "How do I see which pages link to this one?",
            "Is there wiki-style linking?",
        ),
        held_out=(
            "How do I reference one note from inside another?",
            "What's the syntax to create an internal link between pages?",
        ),
    ),
    Fact(
        key="checklist",
        category="shortcuts",
        answer=(
            "Press Ctrl+Shift+C (Cmd+Shift+C on Mac) to turn the current line into a checklist item, and "
            "Ctrl+Enter (Cmd+Enter) to tick or untick it."
        ),
        wrong=(
            "Press Ctrl+Shift+L (Cmd+Shift+L on Mac) to turn the current line into a checklist item, and "
            "click the box with your mouse to tick it."
        ),
        questions=(
            "How do I make a checklist?",
            "What's the shortcut for a to-do item?",
            "How can I check off a task with the keyboard?",
            "Is there a shortcut for checkboxes?",
            "What does Ctrl+Enter do in a checklist?",
            "How do I turn a line into a task?",
        ),
        held_out=(
            "Which keys create a todo and mark it done?",
            "How can I add tick boxes to my notes quickly?",
        ),
    ),
    Fact(
        key="focus_mode",
        category="shortcuts",
        answer=(
            "Press Ctrl+Shift+F (Cmd+Shift+F on Mac) to enter focus mode, which hides the sidebar and "
            "toolbars. Press Esc or the same shortcut again to leave it."
        ),
        wrong=(
            "Press F11 to enter focus mode, which hides the sidebar but keeps the toolbars visible. To leave "
            "focus mode again, you need to quit and restart the app."
        ),
        questions=(
            "How do I hide the sidebar?",
            "Is there a distraction-free mode?",
            "How do I turn on focus mode?",
            "How do I exit focus mode?",
            "What's the shortcut for full-screen writing?",
            "Can I write without the toolbars showing?",
        ),
        held_out=(
            "How can I get a clean, minimal writing view?",
            "Which shortcut toggles the zen writing mode?",
        ),
    ),
    Fact(
        key="shortcut_list",
        category="shortcuts",
        answer=(
            "Press Ctrl+/ (Cmd+/ on Mac) to see every keyboard shortcut. You can change most of them under "
            "Settings > Keyboard shortcuts."
        ),
        wrong=(
            "There's no list of shortcuts in the app, and shortcuts can't be changed. You can find them in "
            "the online help center."
        ),
        questions=(
            "Where can I see all keyboard shortcuts?",
            "Can I customize shortcuts?",
            "Is there a cheat sheet for shortcuts?",
            "How do I change a keyboard shortcut?",
            "What's the shortcut to show all shortcuts?",
            "Can I remap keys in Quillnote?",
        ),
        held_out=(
            "Is there a full reference of hotkeys inside the app?",
            "How do I rebind a hotkey I don't like?",
        ),
    ),
)

ERRORS: tuple[Fact, ...] = (
    Fact(
        key="qn401",
        category="errors",
        answer=(
            "QN-401 means your session has expired. Sign out and sign back in to fix it; if it keeps "
            "happening, make sure your device's date and time are set automatically."
        ),
        wrong=(
            "QN-401 means your account has been locked after too many sign-in attempts. Wait 24 hours or "
            "contact support to have it unlocked."
        ),
        questions=(
            "What does error QN-401 mean?",
            "I keep getting QN-401.",
            "The app says QN-401 session expired.",
            "How do I fix QN-401?",
            "Why does Quillnote log me out with QN-401?",
            "Error QN-401 on my phone, what now?",
        ),
        held_out=(
            "I'm seeing code QN-401 whenever I open the app. What's wrong?",
            "Got a QN-401 message. How do I get past it?",
        ),
    ),
    Fact(
        key="qn403",
        category="errors",
        answer=(
            "QN-403 means you don't have permission to open that page or notebook. Ask the page owner or a "
            "workspace admin to share it with you or raise your access level."
        ),
        wrong=(
            "QN-403 means the page was deleted by another member of your workspace. Open Trash at the bottom "
            "of the sidebar to restore it, or ask an admin if it has already been removed."
        ),
        questions=(
            "What does QN-403 mean?",
            "I get QN-403 when opening a shared link.",
            "How do I fix error QN-403?",
            "Why can't I open this page? It says QN-403.",
            "QN-403 access denied. What should I do?",
            "A colleague sent me a page but I see QN-403.",
        ),
        held_out=(
            "Error code QN-403 pops up on one notebook. Why?",
            "What should I do about a QN-403 permissions error?",
        ),
    ),
    Fact(
        key="qn409",
        category="errors",
        answer=(
            "QN-409 is a sync conflict: the page changed on another device while you were editing. Quillnote "
            "saves your version as a conflict copy next to the original, so nothing is lost."
        ),
        wrong=(
            "QN-409 means the page is locked because another member is editing it right now. Your changes "
            "were discarded, so wait until they close the page and then retype your edits from the start."
        ),
        questions=(
            "What is error QN-409?",
            "I got QN-409 while editing a page.",
            "Did I lose my changes after QN-409?",
            "Why does QN-409 appear?",
            "QN-409 showed up after I reconnected. What happened?",
            "How do I deal with a QN-409 error?",
        ),
        held_out=(
            "Saw a QN-409 warning on a shared page. Are my edits gone?",
            "What does the QN-409 code mean in Quillnote?",
        ),
    ),
    Fact(
        key="qn413",
        category="errors",
        answer=(
            "QN-413 means the file is larger than your upload limit: 25 MB on Free and 2 GB on paid plans. "
            "Compress or split the file, or upgrade to Plus to upload bigger files."
        ),
        wrong=(
            "QN-413 means the file type isn't supported. Only images and PDFs can be uploaded, so convert "
            "other files to PDF first or share a link to them from another service instead."
        ),
        questions=(
            "What does QN-413 mean?",
            "I can't upload a video. It says QN-413.",
            "How do I fix QN-413 when attaching a file?",
            "Error QN-413 file too large.",
            "Why do I get QN-413 on the free plan?",
            "Upload failed with QN-413. What can I do?",
        ),
        held_out=(
            "My attachment is rejected with code QN-413. Why?",
            "What's behind the QN-413 error when adding files?",
        ),
    ),
    Fact(
        key="qn429",
        category="errors",
        answer=(
            "QN-429 means too many requests were sent in a short time, usually by an integration or script. "
            "Wait about a minute and try again; the API allows 100 requests per minute per token."
        ),
        wrong=(
            "QN-429 means your API token has expired. Create a new token under Settings > Integrations and "
            "the error will go away."
        ),
        questions=(
            "What is QN-429?",
            "My script gets QN-429 errors.",
            "Why do I see QN-429 when using the API?",
            "How do I fix QN-429 too many requests?",
            "What's the API rate limit?",
            "Zapier keeps failing with QN-429.",
        ),
        held_out=(
            "Our integration is throttled with QN-429. What does that mean?",
            "How many API calls can I make before hitting QN-429?",
        ),
    ),
    Fact(
        key="qn503",
        category="errors",
        answer=(
            "QN-503 means Quillnote's servers are briefly unavailable, often during maintenance. Your "
            "changes are saved locally and will sync automatically; check status.quillnote.com for updates."
        ),
        wrong=(
            "QN-503 means your internet connection is too slow for Quillnote to sync. Restart your router, "
            "then reinstall the app so any changes that haven't synced yet are uploaded again from scratch."
        ),
        questions=(
            "What does QN-503 mean?",
            "Is Quillnote down? I'm getting QN-503.",
            "QN-503 service unavailable. Will I lose my work?",
            "How long does QN-503 last?",
            "Where can I check if Quillnote is having an outage?",
            "Everyone on my team sees QN-503.",
        ),
        held_out=(
            "The app shows QN-503 and won't sync. Is it on your end?",
            "What should I do when I get a QN-503?",
        ),
    ),
    Fact(
        key="qn507",
        category="errors",
        answer=(
            "QN-507 means your workspace has run out of storage. Empty the Trash or delete large attachments "
            "to free up space, or upgrade your plan for more storage."
        ),
        wrong=(
            "QN-507 means a page has too many blocks, usually more than 5,000. Split it into smaller pages "
            "or move large tables and images to their own page to fix it."
        ),
        questions=(
            "What is error QN-507?",
            "I can't add files. It says QN-507.",
            "How do I fix QN-507 storage full?",
            "Why am I getting QN-507?",
            "QN-507 appeared when I uploaded an image.",
            "How do I free up space after QN-507?",
        ),
        held_out=(
            "Quillnote says QN-507 and won't save attachments. Help?",
            "What does the QN-507 code indicate?",
        ),
    ),
)

EXPORT: tuple[Fact, ...] = (
    Fact(
        key="export_formats",
        category="export",
        answer=(
            "You can export any page as Markdown, PDF, HTML or Word (.docx). Open the page menu, choose "
            "Export, pick a format and click Download."
        ),
        wrong=(
            "You can export pages only as PDF. Open File > Print, choose Save as PDF and pick a folder; "
            "Markdown, HTML and Word export aren't available yet."
        ),
        questions=(
            "What export formats are supported?",
            "Can I export a page to PDF?",
            "How do I export a note as Markdown?",
            "Can I save a page as a Word document?",
            "How do I download a page?",
            "Is HTML export available?",
        ),
        held_out=(
            "In which file types can I get my pages out of Quillnote?",
            "How do I turn a note into a .docx file?",
        ),
    ),
    Fact(
        key="export_workspace",
        category="export",
        answer=(
            "Admins can export the whole workspace from Settings > Workspace > Export all. You get a ZIP of "
            "Markdown files with attachments, and we email a download link that stays valid for 7 days."
        ),
        wrong=(
            "Admins can export the whole workspace as a single PDF from Settings > Workspace > Export all. "
            "The file downloads immediately and attachments aren't included."
        ),
        questions=(
            "How do I export my entire workspace?",
            "Can I back up all my notes at once?",
            "I want to download everything before leaving Quillnote.",
            "How long is the export download link valid?",
            "Does the full export include attachments?",
            "Who can export the whole workspace?",
        ),
        held_out=(
            "Is there a bulk export of every page we have?",
            "How can I get a complete copy of all our data?",
        ),
    ),
    Fact(
        key="import_evernote",
        category="export",
        answer=(
            "Go to Settings > Import, choose Evernote and upload your .enex files. Notebooks become "
            "Quillnote notebooks, and tags, attachments and creation dates are kept."
        ),
        wrong=(
            "Quillnote can't import Evernote files directly. Export your notes from Evernote as PDF and "
            "attach them to pages."
        ),
        questions=(
            "How do I import from Evernote?",
            "Can I move my notes from Evernote?",
            "Does Quillnote support .enex files?",
            "Will my Evernote tags be kept when importing?",
            "I'm switching from Evernote. How do I bring my notebooks?",
            "Can I import Evernote attachments?",
        ),
        held_out=(
            "What's the best way to migrate my Evernote library into Quillnote?",
            "Do my ENEX exports work with Quillnote?",
        ),
    ),
    Fact(
        key="import_notion",
        category="export",
        answer=(
            "Export your Notion workspace as Markdown & CSV, then go to Settings > Import > Notion and "
            "upload the ZIP file. Pages, nested pages and images are imported, and databases come in as "
            "tables."
        ),
        wrong=(
            "Connect your Notion account under Settings > Integrations and Quillnote syncs your pages both "
            "ways. Databases aren't supported."
        ),
        questions=(
            "How do I import from Notion?",
            "Can I move my Notion workspace to Quillnote?",
            "Do Notion databases import?",
            "What format should I export from Notion?",
            "We're switching from Notion. Will nested pages come over?",
            "Is there a Notion importer?",
        ),
        held_out=(
            "What are the steps to bring our Notion pages into Quillnote?",
            "How do Notion tables and subpages transfer over?",
        ),
    ),
    Fact(
        key="import_markdown",
        category="export",
        answer=(
            "Go to Settings > Import > Markdown and upload a folder or ZIP of .md files. Folders become "
            "notebooks, and links between the files are converted into page links."
        ),
        wrong=(
            "Drag .md files into a page one at a time. Folders aren't supported, and links between files are "
            "removed."
        ),
        questions=(
            "Can I import Markdown files?",
            "How do I import a folder of .md files?",
            "I have notes from Obsidian. Can I import them?",
            "Will links between my Markdown files still work after import?",
            "How do I upload a ZIP of Markdown notes?",
            "Do folders become notebooks when I import?",
        ),
        held_out=(
            "How can I bring plain-text .md notes into Quillnote?",
            "What's the process for importing a Markdown vault?",
        ),
    ),
    Fact(
        key="auto_backups",
        category="export",
        answer=(
            "Team and Enterprise admins can turn on weekly automatic backups under "
            "Settings > Workspace > Backups. Every Sunday a Markdown ZIP of the workspace is saved to a "
            "connected Google Drive or Dropbox folder."
        ),
        wrong=(
            "Automatic backups run daily on every plan and are kept on Quillnote's servers for 14 days. You "
            "can't send them to Google Drive or Dropbox, but support can restore one of them for you on "
            "request within a working day."
        ),
        questions=(
            "Does Quillnote do automatic backups?",
            "Can I back up my workspace to Google Drive?",
            "How often are automatic backups made?",
            "How do I turn on scheduled backups?",
            "Can backups go to Dropbox?",
            "Are automatic backups available on the Plus plan?",
        ),
        held_out=(
            "Is there a way to schedule regular exports to cloud storage?",
            "How do I set up recurring backups of our team's notes?",
        ),
    ),
)

INTEGRATIONS: tuple[Fact, ...] = (
    Fact(
        key="slack",
        category="integrations",
        answer=(
            "Connect Slack under Settings > Integrations > Slack. Quillnote links pasted into Slack then "
            "show a preview, and you can type /quill save in any channel to save a message as a note."
        ),
        wrong=(
            "Connect Slack under Settings > Integrations > Slack. Every page edit is then posted to a Slack "
            "channel, but you can't save Slack messages to Quillnote."
        ),
        questions=(
            "Does Quillnote integrate with Slack?",
            "How do I connect Slack?",
            "Can I save a Slack message as a note?",
            "How does /quill save work?",
            "Why don't my Quillnote links show a preview in Slack?",
            "Is there a Slack app for Quillnote?",
        ),
        held_out=(
            "How can our Slack workspace and Quillnote work together?",
            "What do I get from linking Quillnote to Slack?",
        ),
    ),
    Fact(
        key="google_drive",
        category="integrations",
        answer=(
            "Paste a Google Docs, Sheets or Slides link into a page and choose Embed to show a live preview. "
            "To embed private files, first connect your Google account under "
            "Settings > Integrations > Google Drive."
        ),
        wrong=(
            "Upload the Google Docs file as an attachment instead, because live previews of Google files "
            "aren't supported. Private files can't be shown at all, even after you connect your Google "
            "account in Settings."
        ),
        questions=(
            "Can I embed a Google Doc?",
            "How do I add a Google Sheet to a page?",
            "Does Quillnote work with Google Drive?",
            "My Google Slides embed says access denied.",
            "How do I connect my Google account?",
            "Can I show a live spreadsheet in a note?",
        ),
        held_out=(
            "What's the way to display Drive files inside my notes?",
            "Is it possible to put a live Google document in a page?",
        ),
    ),
    Fact(
        key="github",
        category="integrations",
        answer=(
            "Connect GitHub under Settings > Integrations > GitHub, then paste an issue or pull request link "
            "to show its live title and status. The GitHub integration is available on Plus, Team and "
            "Enterprise."
        ),
        wrong=(
            "Connect GitHub under Settings > Integrations > GitHub to sync every page to a repository as "
            "Markdown files. The integration is available on every plan, including Free, at no extra cost."
        ),
        questions=(
            "Does Quillnote integrate with GitHub?",
            "How do I embed a GitHub issue?",
            "Can I see pull request status in a note?",
            "Is the GitHub integration on the free plan?",
            "How do I connect GitHub?",
            "Can I paste a GitHub link and get a preview?",
        ),
        held_out=(
            "How can engineering notes show live GitHub PR info?",
            "What does the GitHub connection do in Quillnote?",
        ),
    ),
    Fact(
        key="zapier",
        category="integrations",
        answer=(
            "Quillnote works with Zapier on every plan. Search for Quillnote in Zapier to create pages from "
            "forms, emails or other apps, or to trigger actions when a page is updated."
        ),
        wrong=(
            "Zapier is only available on the Enterprise plan, and it can only read pages, not create them. "
            "Ask your account manager to enable it for your workspace."
        ),
        questions=(
            "Does Quillnote work with Zapier?",
            "Can I automate creating pages?",
            "Is Zapier available on the free plan?",
            "How do I create a note from a form submission?",
            "Can Zapier trigger when a page changes?",
            "How do I connect Quillnote to other apps without code?",
        ),
        held_out=(
            "Is there a no-code way to automate my Quillnote workflows?",
            "Can I hook Quillnote up to automation tools?",
        ),
    ),
    Fact(
        key="api",
        category="integrations",
        answer=(
            "Create an API token under Settings > Integrations > API tokens and send it as a Bearer token to "
            "https://api.quillnote.com/v1. The API is on Plus, Team and Enterprise and allows 100 requests "
            "per minute per token."
        ),
        wrong=(
            "Create an API key under Settings > Developer and pass it as the api_key query parameter to "
            "https://quillnote.com/api. The API is available on every plan, including Free, and there is no "
            "rate limit on how often you call it."
        ),
        questions=(
            "Do you have an API?",
            "How do I get an API token?",
            "What's the API base URL?",
            "Is the API available on the free plan?",
            "How do I authenticate with the Quillnote API?",
            "Can I build my own integration with Quillnote?",
        ),
        held_out=(
            "How can developers access Quillnote data programmatically?",
            "Where do I generate credentials for the REST API?",
        ),
    ),
    Fact(
        key="calendar",
        category="integrations",
        answer=(
            "Connect Google Calendar or Outlook under Settings > Integrations > Calendar. Then type /meeting "
            "in a page to create meeting notes filled in with the event title, time and attendees."
        ),
        wrong=(
            "Quillnote has no calendar integration yet. Copy the event title, time and attendees into a page "
            "by hand, or start from the Meeting notes template in the template gallery on the sidebar."
        ),
        questions=(
            "Does Quillnote connect to my calendar?",
            "How do I create meeting notes from a calendar event?",
            "Can I use Outlook calendar with Quillnote?",
            "What does /meeting do?",
            "Is there Google Calendar integration?",
            "How can I get attendees into my meeting notes automatically?",
        ),
        held_out=(
            "Can Quillnote pull in details from my upcoming meetings?",
            "How do I link my schedule so meeting notes fill themselves in?",
        ),
    ),
    Fact(
        key="web_clipper",
        category="integrations",
        answer=(
            "Install the Quillnote Web Clipper for Chrome, Firefox, Edge or Safari from "
            "quillnote.com/clipper. Click its icon on any web page to save the full article, a bookmark or a "
            "screenshot to your Inbox."
        ),
        wrong=(
            "The Web Clipper is only available for Chrome, from the Chrome Web Store. It saves a link to the "
            "page in your Inbox, but not the article text, images or a screenshot, so you'll need to copy "
            "the content yourself."
        ),
        questions=(
            "Is there a web clipper?",
            "How do I save a web page to Quillnote?",
            "Is there a browser extension?",
            "Does the clipper work in Safari?",
            "Where do clipped pages go?",
            "Can I save an article from Firefox?",
        ),
        held_out=(
            "How can I capture online articles straight into my notes?",
            "Which browsers support the Quillnote extension?",
        ),
    ),
)

SECURITY: tuple[Fact, ...] = (
    Fact(
        key="sso",
        category="security",
        answer=(
            "SAML single sign-on is available on the Enterprise plan and works with Okta, Microsoft Entra ID "
            "(Azure AD), Google Workspace and any SAML 2.0 provider. Admins set it up under "
            "Settings > Security > SSO."
        ),
        wrong=(
            "SAML single sign-on is included on the Team plan and only works with Google Workspace. Each "
            "member sets it up under Settings > Account."
        ),
        questions=(
            "Do you support SSO?",
            "Can we use Okta to sign in?",
            "Which plan includes single sign-on?",
            "How do I set up SAML?",
            "Does Quillnote work with Azure AD?",
            "Is SSO available on the Team plan?",
        ),
        held_out=(
            "Can our employees log in through our identity provider?",
            "What's needed to enable SAML login for our company?",
        ),
    ),
    Fact(
        key="encryption",
        category="security",
        answer=(
            "All data is encrypted in transit with TLS 1.3 and at rest with AES-256. Quillnote staff can't "
            "open your notes unless you grant temporary access in a support ticket."
        ),
        wrong=(
            "Notes are end-to-end encrypted, so even you can't recover them if you forget your password. "
            "Attachments are not encrypted."
        ),
        questions=(
            "Is my data encrypted?",
            "Do you use end-to-end encryption?",
            "Can Quillnote employees read my notes?",
            "How is data protected at rest?",
            "What encryption does Quillnote use?",
            "Is the connection to Quillnote secure?",
        ),
        held_out=(
            "How safe are my notes on your servers?",
            "Who at Quillnote can see the contents of my pages?",
        ),
    ),
    Fact(
        key="data_residency",
        category="security",
        answer=(
            "Enterprise workspaces can store data in the EU (Frankfurt) or the US (Oregon). All other plans "
            "are hosted in the US, and the region can only be chosen when the workspace is created."
        ),
        wrong=(
            "Every plan can choose between EU, US and Asia regions, and you can move your workspace to "
            "another region at any time under Settings > Workspace > Region."
        ),
        questions=(
            "Where is my data stored?",
            "Can we host our data in the EU?",
            "Do you offer data residency?",
            "Which data centers does Quillnote use?",
            "Can I move my workspace to the EU region later?",
            "Is our data kept in the US?",
        ),
        held_out=(
            "We need GDPR-friendly European hosting. Is that possible?",
            "In which country are Quillnote servers located?",
        ),
    ),
    Fact(
        key="scim",
        category="security",
        answer=(
            "SCIM user provisioning is included with Enterprise and works with Okta, Microsoft Entra ID "
            "(Azure AD) and OneLogin. Generate a SCIM token under Settings > Security > Provisioning and "
            "paste it into your identity provider."
        ),
        wrong=(
            "SCIM provisioning isn't supported on any plan, including Enterprise. Admins have to invite new "
            "members by hand under Settings > Members and remove people who leave your company one at a time "
            "from that same page when they go."
        ),
        questions=(
            "Do you support SCIM?",
            "Can we automatically provision users from Okta?",
            "How do I set up user provisioning?",
            "Is SCIM available on the Team plan?",
            "Where do I find the SCIM token?",
            "Does Quillnote sync users from Azure AD?",
        ),
        held_out=(
            "Can we automate onboarding and offboarding of members?",
            "How does automatic account provisioning work?",
        ),
    ),
    Fact(
        key="audit_log",
        category="security",
        answer=(
            "Enterprise admins can open the audit log under Settings > Security > Audit log. It records "
            "sign-ins, sharing changes, exports and permission changes for 1 year, and you can download it "
            "as CSV."
        ),
        wrong=(
            "Every admin can view the audit log under Settings > Members. It keeps the last 30 days of "
            "sign-ins only and can't be exported."
        ),
        questions=(
            "Is there an audit log?",
            "How long are audit logs kept?",
            "Can I see who exported our data?",
            "Where do I find sign-in history for our workspace?",
            "Can I download the audit log?",
            "Which plan has audit logs?",
        ),
        held_out=(
            "How can admins track who changed sharing settings?",
            "Do you keep a record of security events in the workspace?",
        ),
    ),
    Fact(
        key="public_links",
        category="security",
        answer=(
            "Click Share on a page and turn on Publish to web to create a public link. On Team and "
            "Enterprise, admins can disable public links for the whole workspace under Settings > Security."
        ),
        wrong=(
            "Public links can't be created; pages can only be shared with people who have a Quillnote "
            "account. To show a page to someone outside your team, export it as a PDF and send them the "
            "file."
        ),
        questions=(
            "How do I share a page publicly?",
            "Can I publish a page to the web?",
            "How do I make a public link?",
            "Can admins turn off public sharing?",
            "Can someone without an account view my page?",
            "How do I stop people from publishing pages?",
        ),
        held_out=(
            "Is there a way to let anyone with the URL read a page?",
            "Can we block members from sharing pages on the internet?",
        ),
    ),
    Fact(
        key="enforce_2fa",
        category="security",
        answer=(
            "Team and Enterprise admins can require two-factor authentication for every member under "
            "Settings > Security > Require 2FA. Members without it are asked to set it up the next time they "
            "sign in."
        ),
        wrong=(
            "Admins can't require two-factor authentication on any plan; each member decides whether to turn "
            "it on. You can see who has enabled it under Settings > Members and send those who haven't a "
            "reminder email."
        ),
        questions=(
            "Can I force all members to use 2FA?",
            "How do I require two-factor authentication for my team?",
            "Is mandatory 2FA available?",
            "What happens to members who don't have 2FA when I require it?",
            "Can admins enforce two-step verification?",
            "Which plans let admins require 2FA?",
        ),
        held_out=(
            "Can I make two-factor login compulsory across the workspace?",
            "Is there a setting that obliges everyone to enable 2FA?",
        ),
    ),
)

FACTS: tuple[Fact, ...] = BILLING + ACCOUNT + SYNC + SHORTCUTS + ERRORS + EXPORT + INTEGRATIONS + SECURITY

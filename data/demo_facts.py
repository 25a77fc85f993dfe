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
    key_facts: tuple[str, ...] = ()
    wrong_facts: tuple[str, ...] = ()


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
            "Give me a rundown of every Quillnote tier and its monthly cost.",
            "what's the price tag on quillnote these days?",
            "We're a 12-person startup comparing tools. What would Quillnote's paid options run us each month?",
            "Is Enterprise priced per seat, and what's the minimum size?",
            "Does billing yearly instead of monthly knock anything off?",
            "Tell me what Plus costs compared to Team.",
            "I can't find a pricing page anywhere, so how much are your subscriptions?",
            "Price list for the Quillnote tiers?",
            "If I add ten colleagues to a Team workspace, how is that charged?",
            "Is there a cheaper rate when I commit for twelve months up front?",
        ),
        key_facts=(
            "four plans",
            "$0",
            "$6 per month",
            "$10 per member per month",
            "Enterprise with custom pricing",
            "50 seats",
            "two months free",
        ),
        wrong_facts=(
            "three plans",
            "Pro at $8",
            "$15 per member",
            "Business",
            "saves you 10%",
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
            "I renewed by accident yesterday, is it possible to reverse the charge?",
            "Money back guarantee?",
            "Three weeks ago I got billed for Plus and never used it. Can I still be reimbursed?",
            "Tell me how long the window is for getting a charge refunded.",
            "Will you reimburse the unused months if I quit halfway through my annual subscription?",
            "Where in the app do I ask for my payment to be returned?",
            "i got charged and want it back lol, how?",
            "Do you prorate anything when someone cancels early?",
            "Is there a deadline after a payment to claim a reimbursement?",
            "My card was billed for the renewal and I don't want it. What are my options for getting that money returned?",
        ),
        key_facts=(
            "full refund",
            "14 days",
            "Settings > Billing > Request refund",
            "don't give partial refunds",
            "stop the next renewal",
        ),
        wrong_facts=(
            "30 days",
            "billing@quillnote.com",
            "pro rata",
            "unused part",
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
            "I can't find where to end my paid subscription.",
            "Unsubscribe from Team, how?",
            "If I stop my Plus subscription today, do I lose the paid stuff right away?",
            "Tell me the steps to go back to the no-cost tier.",
            "Our budget got cut and we need to drop our Team plan. What happens to everything we wrote if we do?",
            "do my pages get wiped when i stop paying?",
            "How do I end billing so I'm not charged next cycle?",
            "When exactly do premium features switch off after I cancel?",
            "Does downgrading archive or remove any of my content?",
            "I'd like to terminate my Quillnote subscription please.",
        ),
        key_facts=(
            "Settings > Billing > Manage plan",
            "Cancel plan",
            "end of the current billing period",
            "moves to Free",
            "without deleting any notes",
        ),
        wrong_facts=(
            "Settings > Account > Subscription",
            "click Downgrade",
            "Paid features stop immediately",
            "archived after 7 days",
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
            "Will my Amex card work for the subscription?",
            "Which ways can I pay for Quillnote?",
            "Our finance team only does wire transfers. Is that an option for an annual Team plan?",
            "Does checkout support a PayPal account instead of a card?",
            "Do you accept debit or credit cards from Mastercard?",
            "Tell me which cards and wallets work at checkout.",
            "Can Enterprise customers be invoiced and pay via bank?",
            "My card got declined, what other payment options do I have?",
            "Accepted forms of payment?",
            "Is Visa supported, or do I need something else?",
        ),
        key_facts=(
            "Visa",
            "Mastercard",
            "American Express",
            "PayPal",
            "bank transfer",
            "against an invoice",
            "Annual Team and Enterprise",
        ),
        wrong_facts=(
            "Apple Pay",
            "aren't supported",
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
            "My accountant wants copies of every charge. Where can I grab them?",
            "Tax ID on my invoices, how do I add it?",
            "Is there a way to download past billing statements?",
            "I can't find where to get a receipt for expense reports.",
            "Tell me how to get our business name printed on the bills.",
            "where do i get old invoices from?",
            "Do invoices come as PDFs I can save?",
            "We're VAT registered in Germany. How do we get our number onto the paperwork you send?",
            "How do I update the billing address and company details shown on invoices?",
            "Can I pull up the invoice for last month's payment myself?",
        ),
        key_facts=(
            "Settings > Billing > Invoices",
            "PDF",
            "company name",
            "VAT ID",
            "Billing details",
            "all future invoices",
        ),
        wrong_facts=(
            "only sent by email",
            "contact support",
            "5 business days",
            "reissue the invoice",
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
            "As a secondary school teacher, can I get Quillnote at a reduced price?",
            "Charity pricing?",
            "We're a registered charity with 15 staff. Is there a reduced rate for Team?",
            "Where do I sign up for the academic offer?",
            "Tell me about any special pricing for schools or colleges.",
            "does quillnote do anything for students?",
            "Is there an NGO discount and how big is it?",
            "I'm in grad school and money is tight. Any way to get Plus without paying?",
            "Which email do I need to use to qualify for the education deal?",
            "How much off do non-profit organisations get?",
        ),
        key_facts=(
            "Students and teachers",
            "Plus free for one year",
            "school email address",
            "registered nonprofits",
            "50% off Team",
            "quillnote.com/education",
            "quillnote.com/nonprofit",
        ),
        wrong_facts=(
            "20% off Plus",
            "student ID",
            "don't currently offer any discounts",
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
            "Can we test Team for a couple of weeks without committing?",
            "Trial length for Team?",
            "Do I have to enter payment details to start trying Team?",
            "Our trial is about to expire. Will we get billed for all twelve members?",
            "Tell me what happens to our workspace once the Team trial is over.",
            "how long can i try team for free?",
            "Is there a way to evaluate the Team features before buying?",
            "We want to keep Team after the trial. What does an admin need to do?",
            "Does the Team trial need a card on file?",
            "I'm pitching Quillnote to my manager and want to demo Team first. Is there a no-cost way to do that?",
        ),
        key_facts=(
            "14-day free trial",
            "no credit card required",
            "moves to Free",
            "Settings > Billing",
            "adds a payment method",
        ),
        wrong_facts=(
            "30-day free trial",
            "need a credit card",
            "charged automatically",
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
            "I want to get rid of my Quillnote profile for good. What are the steps?",
            "Is account deletion instant or is there a waiting period?",
            "I deleted my account last week by mistake. Is it too late to get it back?",
            "Tell me how to erase my user account and everything in it.",
            "Wipe my account, how?",
            "how do i close my account forever?",
            "Changed my mind after requesting deletion. How do I stop it?",
            "After I remove my account, when is my data actually destroyed?",
            "Under GDPR I'd like my personal data removed. How do I do it myself?",
            "Is there a grace period before deleted accounts are purged?",
        ),
        key_facts=(
            "Settings > Account > Delete account",
            "confirm with your password",
            "permanently erased",
            "30-day grace period",
            "signing in again",
            "cancels the deletion",
        ),
        wrong_facts=(
            "erased immediately",
            "can't be recovered",
            "even by support",
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
            "My work address is going away. Can I switch my Quillnote login to my personal email?",
            "Update email address?",
            "I can't find where to edit the email tied to my profile.",
            "Tell me how to swap the address I use to sign in.",
            "i typed my email wrong when signing up, can i fix it?",
            "Do I have to verify a new email before it takes effect?",
            "Will I be locked out while my email change is pending?",
            "Can I change which email address my account is registered under?",
            "We rebranded and our domain changed. How does each person update their login address?",
            "Is it possible to edit my account email without making a fresh account?",
        ),
        key_facts=(
            "Settings > Account > Email",
            "new address",
            "confirmation link",
            "old address keeps working",
            "until you confirm",
        ),
        wrong_facts=(
            "can't change the email",
            "Create a new account",
            "Export and Import",
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
            "Locked out, can't remember my login. Help?",
            "How long does a password reset email stay valid?",
            "I clicked recover password but nothing showed up in my inbox.",
            "Tell me how to recover my account when I've lost my password.",
            "My reset link says it expired. What now?",
            "where do i go if i forgot my pw?",
            "Is there a way to set a new password without knowing the old one?",
            "I've been waiting ages for the reset email and it never came. What should I check?",
            "Can I get a fresh reset link if the first one timed out?",
            "Password recovery process?",
        ),
        key_facts=(
            "Forgot password",
            "reset link",
            "1 hour",
            "spam folder",
            "request a new link",
        ),
        wrong_facts=(
            "text a 6-digit code",
            "24 hours",
            "phone number",
            "three codes a day",
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
            "Can I protect my login with a one-time code app like Authy?",
            "MFA support?",
            "Our security policy requires a second factor for every tool. How do I switch that on in Quillnote?",
            "Tell me how to add an extra login step to my account.",
            "How many recovery codes do I get when I enable 2FA?",
            "i got a new phone, how do i get back into my account with 2fa on?",
            "Where do I find the setting to turn on two-step login?",
            "Which authenticator apps work with Quillnote?",
            "I can't find where to scan a QR code for multi-factor login.",
            "What's the backup plan if my phone with the codes gets stolen?",
        ),
        key_facts=(
            "Settings > Security > Two-factor authentication",
            "QR code",
            "authenticator app",
            "10 backup codes",
        ),
        wrong_facts=(
            "Settings > Account > Login",
            "SMS",
            "phone number",
            "removed automatically after 7 days",
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
            "Can I pass the owner role to one of our admins?",
            "Hand off workspace ownership, how?",
            "Our founder is leaving and owns the workspace. What's the process to give it to me?",
            "Tell me who is allowed to become the workspace owner.",
            "Can a regular member or a guest be made owner?",
            "is it possible to have two owners on one workspace?",
            "I can't find the option to make a coworker the owner.",
            "Does the new owner have to be an admin first?",
            "How do I give the top-level owner rights to someone else?",
            "Our owner set things up, but I manage everything now. How do I take over ownership?",
        ),
        key_facts=(
            "current owner",
            "Settings > Members",
            "another admin",
            "Make owner",
            "exactly one owner",
            "existing admin",
        ),
        wrong_facts=(
            "Any admin",
            "including guests",
            "up to three owners",
            "share billing access",
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
            "I freelance for three clients who each use Quillnote. Can I be in all their workspaces with one login?",
            "Is there a cap on how many workspaces I can belong to?",
            "How do I jump from my personal workspace to my company one?",
            "Tell me where the workspace switcher is.",
            "Do I have to log out to get to a different workspace?",
            "if i join a second workspace does it share my plan?",
            "Several workspaces, one login, possible?",
            "Does my paid plan cover every workspace I'm in?",
            "I can't find how to move between the workspaces I've joined.",
            "Do I need a separate email for each workspace?",
        ),
        key_facts=(
            "as many workspaces as you like",
            "one account",
            "workspace menu",
            "top-left corner",
            "its own plan and billing",
        ),
        wrong_facts=(
            "only one workspace",
            "sign up again",
            "different email address",
            "signing out and back in",
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
            "We work with freelancers. Can they edit a few pages without us buying them a seat?",
            "Guest limit per workspace?",
            "Are guests charged the same as members?",
            "Tell me which plans let me bring in outside collaborators.",
            "Can a guest browse the rest of our workspace or just what I share?",
            "can i add a contractor on the free plan?",
            "Is there a maximum number of external collaborators?",
            "I want a client to comment and edit one doc only. Is that possible?",
            "Do external users take up a paid slot on our Team plan?",
            "Our agency has over 150 clients. Can all of them be invited as guests?",
        ),
        key_facts=(
            "Team and Enterprise",
            "invite guests for free",
            "view or edit",
            "pages shared with them",
            "100 guests",
        ),
        wrong_facts=(
            "every plan",
            "$5 per month",
            "every page",
            "no limit",
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
            "Our cabin has no Wi-Fi at all, so will I be stuck without my notes there?",
            "Do I need to pay for Plus just to read my pages with no signal?",
            "Tell me how to pin an entire notebook to my phone so it's there without data.",
            "Offline access on the Android app?",
            "If I jot things down on the subway with zero reception, do they get uploaded later?",
            "I can't figure out how to download a whole notebook for use without internet.",
            "Does the free tier let me keep working when my connection drops?",
            "Heading somewhere remote for a week, how do I keep my travel notebook on my laptop locally?",
            "Is there a setting so my notes still open when the network is down?",
            "Explain how Quillnote behaves when I lose internet mid-edit.",
        ),
        key_facts=(
            "desktop and mobile apps",
            "every plan",
            "sync when you reconnect",
            "right-click",
            "Make available offline",
        ),
        wrong_facts=(
            "only available on Plus and above",
            "only in the desktop apps",
            "not on mobile",
            "Settings > Sync",
            "downloads your whole workspace",
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
            "My tablet still shows yesterday's version of a page, what's going on?",
            "Edits I made on the desktop never reached my iPad.",
            "How do I kick off a manual sync right now?",
            "The little spinner in the corner has been going for an hour, help?",
            "Tell me how to check that everything has been uploaded before I close my laptop.",
            "What does the green tick at the bottom of the sidebar mean?",
            "Nothing is updating between my work PC and home PC anymore.",
            "Should I reinstall the app if syncing is frozen?",
            "I wrote a page on my phone this morning and it's missing on my computer.",
            "Is there a way to reset the connection when syncing hangs?",
        ),
        key_facts=(
            "sync icon",
            "bottom-left corner",
            "green check",
            "Sync now",
            "sign out and back in",
        ),
        wrong_facts=(
            "once an hour",
            "60 minutes",
            "reinstall the app",
            "clear the sync queue",
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
            "It says I've reached the maximum number of devices when logging in on my new laptop.",
            "How many gadgets can a free account be signed into at once?",
            "I sold my old phone, how do I unlink it from Quillnote?",
            "Does the Team plan cap how many computers each member uses?",
            "Tell me the device allowance for each plan.",
            "Can I kick an old tablet off my account so my new one works?",
            "Free user here with a work PC, home PC, phone and iPad, will that work?",
            "Where can I see which devices are connected to my account?",
            "Is there a maximum number of machines on Enterprise?",
            "Why won't Quillnote let me log in on a fourth device?",
        ),
        key_facts=(
            "3 devices",
            "Plus, Team and Enterprise",
            "unlimited devices",
            "Settings > Account > Devices",
        ),
        wrong_facts=(
            "2 devices",
            "up to 5",
            "10 devices per member",
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
            "How big can an attachment be on the free version?",
            "My 40 MB PDF won't attach, is there a size cap?",
            "Tell me how many gigabytes each subscription comes with.",
            "Does Enterprise have any storage ceiling?",
            "Our team of eight is on the Team plan, how much total space do we get?",
            "How much room for files do I get if I upgrade to Plus?",
            "Largest attachment allowed on a paid account?",
            "I'm running out of space on the free tier, what are my options for more?",
            "Is there a quota on how much I can store?",
            "Can I attach a 3 GB recording to a page?",
        ),
        key_facts=(
            "1 GB",
            "20 GB",
            "100 GB per member",
            "unlimited on Enterprise",
            "25 MB",
            "2 GB",
        ),
        wrong_facts=(
            "500 MB",
            "10 GB",
            "50 GB per member",
            "100 MB on every plan",
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
            "A coworker rewrote our meeting notes yesterday, how do I get the old text back?",
            "How far back can I roll a page on the free plan?",
            "Tell me how to revert a page to an earlier state.",
            "Does Enterprise keep old revisions indefinitely?",
            "I pasted over half my document by accident and saved, can I undo that?",
            "Revision history on Plus, how many days?",
            "Is there a way to view who changed what on a page last week?",
            "How do I roll back edits from a few days ago?",
            "Can I get back a version of a page from two months ago on the Team plan?",
            "Where are the older snapshots of a page stored?",
        ),
        key_facts=(
            "7 days on Free",
            "30 days on Plus",
            "90 days on Team",
            "forever on Enterprise",
            "Page history",
            "click Restore",
        ),
        wrong_facts=(
            "30 days on every plan",
            "Settings > Backups",
            "restore the whole workspace",
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
            "Oops, I just removed an important page, how do I undelete it?",
            "How long until something in the bin is wiped for good?",
            "Do I need an admin to recover a page I threw away?",
            "Where do removed pages go?",
            "Tell me how to bring back a page I deleted last week.",
            "Is the recycle bin emptied automatically?",
            "I can't find the bin anywhere in the app.",
            "Does the free plan keep deleted pages as long as paid plans do?",
            "I trashed a page three weeks ago, is it still recoverable?",
            "Can a regular member restore their own deleted page?",
        ),
        key_facts=(
            "30 days",
            "every plan",
            "bottom of the sidebar",
            "click Restore",
            "deleted permanently",
        ),
        wrong_facts=(
            "7 days",
            "only admins can restore",
            "Settings > Workspace > Deleted items",
            "workspace admin",
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
            "After reconnecting I found an extra page labelled Pixel 7 beside my original, where did it come from?",
            "I edited a note on my laptop on a plane and also on my tablet, which changes survive?",
            "Does Quillnote silently throw away one side of a clash when two offline edits collide?",
            "How should I deal with a duplicate page that appeared after reconnecting?",
            "Tell me what happens when two offline edits to one page collide.",
            "A weird copy of my page labelled MacBook showed up, can I delete it?",
            "Does the latest edit overwrite the other one when syncing after being offline?",
            "My colleague and I both changed the agenda without internet, did we lose anything?",
            "Why is there a second version of my note sitting beside the original?",
            "Conflicting edits from two devices, how are they handled?",
        ),
        key_facts=(
            "keeps both versions",
            "conflict copy",
            "named after the device",
            "next to the original",
        ),
        wrong_facts=(
            "most recent edit wins",
            "discarded automatically",
            "Settings > Sync",
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
            "Will Quillnote install on my old Windows 8 machine?",
            "Is there a native app for Ubuntu?",
            "What are the system requirements for the desktop app?",
            "My iPad runs iOS 15, can I get the app?",
            "Tell me which operating systems are supported.",
            "Can I just log in from Chrome without installing anything?",
            "What's the minimum Android version for the phone app?",
            "Is Quillnote available on Debian?",
            "Which devices and OS versions can I run it on?",
            "What's the web address for using Quillnote in a browser?",
        ),
        key_facts=(
            "Windows 10 or later",
            "macOS 12 or later",
            "Linux (Ubuntu and Debian)",
            "iOS 16+",
            "Android 10+",
            "app.quillnote.com",
        ),
        wrong_facts=(
            "no mobile or Linux apps",
            "there are no mobile",
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
            "What keys do I press on my MacBook to find a page fast?",
            "Does the search look through the body of notes or just titles?",
            "I have hundreds of pages and can't find anything, is there a faster way to look things up?",
            "Tell me the hotkey to search across all my notebooks.",
            "Search hotkey on Windows?",
            "Can I jump straight to a note by typing part of its name?",
            "Is there a command palette style search in Quillnote?",
            "How do I search for a phrase I wrote somewhere in my notes?",
            "Ctrl+F only finds text on the current page, how do I search everything?",
            "Which key combination opens the search box from any screen?",
        ),
        key_facts=(
            "Ctrl+K",
            "Cmd+K",
            "Quick Search",
            "any text inside a note",
            "page title",
        ),
        wrong_facts=(
            "Ctrl+F",
            "Cmd+F",
            "only searches page titles",
            "current notebook",
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
            "Hotkey for creating a page on Windows?",
            "How can I jot a quick thought without picking a notebook first?",
            "Tell me the key combo to start a blank page.",
            "I keep clicking the plus button to add pages, is there a faster way?",
            "Where do quick notes end up when I create them with a shortcut?",
            "What do I press on a Mac to start a fresh page in the notebook I'm in?",
            "Is there a hotkey to capture a note straight into my Inbox?",
            "Does Ctrl+T make a new page?",
            "What's the difference between a new page and a quick note shortcut?",
            "Fastest way to start writing a new document with just the keyboard?",
        ),
        key_facts=(
            "Ctrl+N",
            "Cmd+N",
            "Ctrl+Shift+N",
            "Cmd+Shift+N",
            "current notebook",
            "Inbox",
        ),
        wrong_facts=(
            "Ctrl+T",
            "Cmd+T",
            "top of your sidebar",
            "toolbar button",
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
            "I can't find an Insert menu to put a table in my page.",
            "How do I embed a video or other content in a page?",
            "Tell me how to drop a code snippet into my note with formatting.",
            "What pops up when I press the forward slash key?",
            "Is there a shortcut menu for adding blocks like a Notion slash command?",
            "What kinds of blocks can I insert into a page?",
            "Can I search the list of block types instead of scrolling?",
            "Where do I pick different content types like headers and tables?",
            "Right-clicking in a page doesn't show a way to add a table, how do I do it?",
            "How do I make a section title in a note?",
        ),
        key_facts=(
            "Type /",
            "start of any line",
            "block menu",
            "headings",
            "checklists",
            "tables",
            "code blocks",
            "embeds",
            "filter the list",
        ),
        wrong_facts=(
            "Right-click anywhere",
            "Insert menu",
            "only be added from the Insert menu",
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
            "How do I reference one of my other notes inside a page?",
            "Tell me how to make an internal link between two pages.",
            "Does Quillnote support double bracket links like Obsidian?",
            "Where can I see every page that mentions the one I'm on?",
            "Is there a way to cross-reference pages without copying URLs?",
            "I want to build a wiki where pages point to each other, how?",
            "Do I have to paste a URL to link another page?",
            "Can I tell which notes point to this page?",
            "Linking between notes, how does that work?",
            "I typed two square brackets and a list popped up, what is that?",
        ),
        key_facts=(
            "[[",
            "page title",
            "press Enter",
            "Backlinks panel",
        ),
        wrong_facts=(
            "Ctrl+L",
            "Cmd+L",
            "paste the page's URL",
            "doesn't track backlinks",
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
            "Is there a hotkey to tick a box without reaching for the mouse?",
            "Tell me how to convert a line into a to-do on my Mac.",
            "How do I mark a task done using only the keyboard?",
            "Key combo for adding a checkbox on Windows?",
            "I keep clicking the little boxes to complete tasks, is there a faster way?",
            "How do I uncheck a completed to-do with a shortcut?",
            "What keys make a task list item in Quillnote?",
            "Does Ctrl+Shift+L create a checkbox?",
            "Can I turn my shopping list lines into tickable items quickly?",
            "What's Cmd+Enter used for on a to-do?",
        ),
        key_facts=(
            "Ctrl+Shift+C",
            "Cmd+Shift+C",
            "Ctrl+Enter",
            "Cmd+Enter",
            "checklist item",
        ),
        wrong_facts=(
            "Ctrl+Shift+L",
            "Cmd+Shift+L",
            "click the box with your mouse",
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
            "The sidebar is distracting me while I write, can I get rid of it temporarily?",
            "Tell me the key combo for a clean, clutter-free writing view.",
            "I'm stuck in a view with no menus, how do I get the sidebar back?",
            "Does F11 give me a distraction-free view?",
            "Is there a zen mode for writing on the Mac app?",
            "How do I leave the mode that hides all the panels?",
            "Can I hide everything except the page I'm typing in?",
            "What hotkey toggles the minimal writing view on Windows?",
            "Do I need to restart the app to get out of focus mode?",
            "Is there a way to write with nothing else on screen?",
        ),
        key_facts=(
            "Ctrl+Shift+F",
            "Cmd+Shift+F",
            "focus mode",
            "hides the sidebar and toolbars",
            "Esc",
        ),
        wrong_facts=(
            "F11",
            "keeps the toolbars visible",
            "quit and restart the app",
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
            "Tell me how to pull up the full list of hotkeys.",
            "I'd like to rebind the search shortcut to something else, possible?",
            "Is there a reference of every key combo somewhere in the app?",
            "Where do I edit hotkeys?",
            "Some shortcuts clash with my other software, can I reassign them?",
            "How do I view all the key bindings on a Mac?",
            "Do I have to check the help center to learn the shortcuts?",
            "Which keys show the shortcut overview?",
            "Can I set my own key combinations for commands?",
            "Is there an overlay listing all available hotkeys?",
        ),
        key_facts=(
            "Ctrl+/",
            "Cmd+/",
            "Settings > Keyboard shortcuts",
        ),
        wrong_facts=(
            "no list of shortcuts",
            "can't be changed",
            "online help center",
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
            "Quillnote just kicked me out and flashed a 401 code at me, is my login stale or something?",
            "Explain the QN-401 message to me please.",
            "Every morning my laptop shows QN-401 and I have to log in again, why does this keep happening?",
            "got qn401 on the ipad lol what do i do?",
            "Is QN-401 a sign that my account was hacked?",
            "My tablet's clock is a bit off and I see QN-401 a lot, could that be related?",
            "Tell me how to get rid of the QN-401 prompt for good.",
            "What triggers a QN-401 in the desktop app?",
            "I can't stay signed in, the app throws QN-401 every few hours.",
            "Does QN-401 mean I need to reset my password?",
        ),
        key_facts=(
            "QN-401",
            "session has expired",
            "Sign out and sign back in",
            "date and time are set automatically",
        ),
        wrong_facts=(
            "account has been locked",
            "too many sign-in attempts",
            "24 hours",
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
            "My manager shared a notebook link but Quillnote blocks me with a 403 code, how do I get in?",
            "Forbidden error QN-403, who can grant me access?",
            "Tell me what QN-403 is trying to say.",
            "Was the page deleted if I see QN-403?",
            "I'm a new hire and half the wiki gives me QN-403.",
            "Who do I ask when a notebook shows QN-403 for me?",
            "qn-403 keeps popping up on one specific notebook, any idea?",
            "Is QN-403 a bug or is it about my access rights?",
            "I can see the page title in search but opening it says QN-403, why?",
            "How can I get past QN-403 on a teammate's page?",
        ),
        key_facts=(
            "QN-403",
            "don't have permission",
            "page owner",
            "workspace admin",
            "raise your access level",
        ),
        wrong_facts=(
            "deleted by another member",
            "Open Trash",
            "restore it",
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
            "I edited a note on my laptop and my phone at the same time and now there's QN-409, are my edits gone?",
            "Explain QN-409 to me.",
            "Where did my version go after the QN-409 warning?",
            "A duplicate of my page appeared with QN-409, what is it?",
            "qn409 after working offline on the train, did it wipe my text?",
            "Is QN-409 a conflict between two devices?",
            "Tell me whether a QN-409 means my typing was thrown away.",
            "Quillnote showed QN-409 and now I have two copies of the same page.",
            "Should I worry about data loss with QN-409?",
            "What's going on when the editor reports QN-409 mid-edit?",
        ),
        key_facts=(
            "QN-409",
            "sync conflict",
            "another device",
            "conflict copy",
            "nothing is lost",
        ),
        wrong_facts=(
            "page is locked",
            "changes were discarded",
            "retype your edits",
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
            "Trying to attach a 40 MB recording to a page and Quillnote rejects it with QN-413, is there a size cap?",
            "Explain the QN-413 upload error.",
            "Is QN-413 about the file format or the file size?",
            "qn-413 when dropping a big zip into my note, help?",
            "What's the biggest attachment I can add before hitting QN-413?",
            "Tell me how to get around QN-413 on the free tier.",
            "My PowerPoint won't attach and shows QN-413.",
            "Does upgrading stop the QN-413 attachment error?",
            "How large can uploads be before Quillnote throws QN-413?",
            "I keep seeing QN-413 whenever I add a large PDF.",
        ),
        key_facts=(
            "QN-413",
            "upload limit",
            "25 MB",
            "2 GB",
            "upgrade to Plus",
        ),
        wrong_facts=(
            "file type isn't supported",
            "Only images and PDFs",
            "convert other files to PDF",
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
            "Our nightly sync job hammers the Quillnote API and starts returning QN-429 halfway through, what's going on?",
            "Explain QN-429 to me.",
            "How many API calls can one token make per minute?",
            "Is QN-429 caused by an expired token?",
            "qn429 from my python script, how long should I back off?",
            "Tell me the request limit for the Quillnote API.",
            "My Make scenario is throttled with QN-429.",
            "Does QN-429 mean I'm being rate limited?",
            "How long do I have to pause after a QN-429 before retrying?",
            "I'm getting throttled by Quillnote when importing lots of pages through the API.",
        ),
        key_facts=(
            "QN-429",
            "too many requests",
            "about a minute",
            "100 requests per minute per token",
        ),
        wrong_facts=(
            "API token has expired",
            "Create a new token",
            "Settings > Integrations",
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
            "The whole app shows QN-503 right now, is my Wi-Fi the problem or is it on your end?",
            "Explain QN-503 please.",
            "Is there a status page for Quillnote?",
            "qn 503 in the middle of writing, is my draft safe?",
            "Should I reinstall Quillnote because of QN-503?",
            "Tell me where to see whether Quillnote servers are up.",
            "Are you doing maintenance? I keep seeing QN-503.",
            "What happens to edits I make while QN-503 is showing?",
            "Is QN-503 a server outage?",
            "I can't sync anything and there's a QN-503 banner at the top.",
        ),
        key_facts=(
            "QN-503",
            "briefly unavailable",
            "maintenance",
            "saved locally",
            "sync automatically",
            "status.quillnote.com",
        ),
        wrong_facts=(
            "internet connection is too slow",
            "Restart your router",
            "reinstall the app",
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
            "We tried to attach a few scans to our wiki and got QN-507, does that mean our workspace is full?",
            "Explain QN-507.",
            "Is QN-507 about a page being too long?",
            "qn-507 won't let me add attachments anymore, what now?",
            "Tell me how to clear space when Quillnote says QN-507.",
            "Our workspace is out of space and shows QN-507, what are the options?",
            "Does deleting old files fix QN-507?",
            "What does it mean when uploads are blocked with QN-507?",
            "My team hits QN-507 every time someone adds a video.",
            "Do I need a bigger plan to get rid of QN-507?",
        ),
        key_facts=(
            "QN-507",
            "run out of storage",
            "Empty the Trash",
            "delete large attachments",
            "upgrade your plan",
        ),
        wrong_facts=(
            "too many blocks",
            "5,000",
            "Split it into smaller pages",
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
            "My boss wants the meeting notes as a .docx file, can Quillnote produce that from a page?",
            "Which file types can I get a single page out as?",
            "Tell me how to turn a page into an HTML file.",
            "can i get my note out as .md?",
            "Is printing to PDF the only way to get a page out of Quillnote?",
            "I can't find where to export one page.",
            "Is there a Word export for pages?",
            "What options do I have for saving one page to my computer?",
            "I'd like to send a client a page as a file, what formats are there?",
            "Explain how to export a single page.",
        ),
        key_facts=(
            "Markdown",
            "PDF",
            "HTML",
            "Word (.docx)",
            "page menu",
            "choose Export",
        ),
        wrong_facts=(
            "only as PDF",
            "File > Print",
            "Save as PDF",
            "aren't available yet",
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
            "Our company is moving off Quillnote next month and I need a copy of every page we ever wrote, how do I grab it all?",
            "Full workspace export, how?",
            "I requested a complete export but nothing downloaded, where does it go?",
            "What format is the whole-workspace export in?",
            "Tell me how long the link from a full export keeps working.",
            "Are images and files in the complete export too?",
            "Can a regular member export everything or only admins?",
            "i need a dump of all our pages for archiving.",
            "Does the export of the entire workspace come as one big PDF?",
            "My download link from the workspace export stopped working, how long was it supposed to last?",
        ),
        key_facts=(
            "Admins",
            "Settings > Workspace > Export all",
            "ZIP of Markdown files",
            "with attachments",
            "email a download link",
            "7 days",
        ),
        wrong_facts=(
            "single PDF",
            "downloads immediately",
            "attachments aren't included",
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
            "I've got ten years of notes in Evernote and want them in Quillnote without losing the tags, is that possible?",
            "Migrate from Evernote, how?",
            "Do my Evernote notebooks stay as notebooks after moving over?",
            "Tell me how to bring ENEX exports into Quillnote.",
            "will the original created dates survive an evernote import?",
            "I exported my Evernote notebooks, what do I do with the files now?",
            "Does the Evernote import keep attached PDFs and images?",
            "Do I have to convert my Evernote notes to PDF first?",
            "My old Evernote account is about to expire, can I carry everything across to Quillnote first?",
            "Where is the Evernote importer in Quillnote?",
        ),
        key_facts=(
            "Settings > Import",
            "Evernote",
            ".enex",
            "tags",
            "attachments",
            "creation dates",
        ),
        wrong_facts=(
            "can't import Evernote files directly",
            "as PDF",
            "attach them to pages",
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
            "Our team wiki lives in Notion with lots of subpages and databases, what's the cleanest way to bring it into Quillnote?",
            "Notion migration steps?",
            "What happens to Notion databases when they land in Quillnote?",
            "Tell me which export option to pick in Notion before moving over.",
            "does quillnote keep notion in sync after connecting it?",
            "I have a Notion zip export, where do I upload it?",
            "Will images from my Notion pages come across?",
            "Can I bring my Notion subpages into Quillnote intact?",
            "I'm leaving Notion, how do I get everything into Quillnote?",
            "Does the Notion import turn databases into something usable?",
        ),
        key_facts=(
            "Markdown & CSV",
            "Settings > Import > Notion",
            "ZIP file",
            "nested pages",
            "images",
            "databases come in as tables",
        ),
        wrong_facts=(
            "Settings > Integrations",
            "syncs your pages both ways",
            "Databases aren't supported",
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
            "I keep my notes as plain .md files in a folder tree on my laptop, can Quillnote pull the whole thing in at once?",
            "Bulk import markdown?",
            "Do I have to drag each .md file into a page by hand?",
            "Tell me how to move my Obsidian vault into Quillnote.",
            "what happens to my wikilinks when i bring md files in?",
            "Will my subfolders turn into notebooks after importing Markdown?",
            "I have a zipped archive of Markdown notes from Bear, how do I get it in?",
            "Where is the Markdown importer?",
            "Do internal links between .md files get converted on import?",
            "I can't figure out how to import a whole directory of text notes written in Markdown.",
        ),
        key_facts=(
            "Settings > Import > Markdown",
            "folder or ZIP of .md files",
            "Folders become notebooks",
            "page links",
        ),
        wrong_facts=(
            "one at a time",
            "Folders aren't supported",
            "links between files are removed",
            "Drag .md files into a page",
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
            "Our IT policy says we need a regular offsite copy of the wiki, can Quillnote back itself up to our cloud storage on a schedule?",
            "Scheduled backups, which plans?",
            "What day of the week do automatic backups run?",
            "Tell me how to set up recurring backups of our workspace.",
            "are backups daily or weekly?",
            "Where do the automatic backups end up?",
            "What format are the weekly backup files in?",
            "I can't find the backup option in my workspace settings.",
            "Do I get automatic backups on the Free plan?",
            "Can Quillnote send a copy of our workspace to Google Drive every week?",
        ),
        key_facts=(
            "Team and Enterprise",
            "weekly",
            "Settings > Workspace > Backups",
            "Every Sunday",
            "Markdown ZIP",
            "Google Drive",
            "Dropbox",
        ),
        wrong_facts=(
            "daily",
            "every plan",
            "14 days",
            "kept on Quillnote's servers",
            "can't send them to Google Drive or Dropbox",
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
            "Our team lives in Slack, is there a way to hook Quillnote up to it?",
            "Where do I link my Slack workspace to Quillnote?",
            "Someone posted a great answer in a Slack thread, how do I turn it into a Quillnote page?",
            "What's the slash command for sending Slack stuff into Quillnote?",
            "When I drop a Quillnote URL in a Slack channel it just shows the bare link, no card.",
            "Tell me how the Slack integration works.",
            "slack + quillnote, possible?",
            "I want unfurled previews of our wiki pages when people share them in chat, how?",
            "Can I capture a chat message from Slack into my notes without copy-pasting?",
            "Explain how to set up the Slack connection for our workspace.",
        ),
        key_facts=(
            "Settings > Integrations > Slack",
            "/quill save",
            "show a preview",
            "save a message as a note",
        ),
        wrong_facts=(
            "Every page edit is then posted to a Slack channel",
            "can't save Slack messages",
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
            "I'd like a slide deck from Google to appear inside a Quillnote page, is that doable?",
            "Can a spreadsheet from my Drive stay up to date inside a note?",
            "The Google file I pasted in only shows a plain link, how do I get a preview?",
            "Our budget lives in a private Google spreadsheet, how can I show it in our wiki?",
            "Is there a Google Drive integration?",
            "How do I link my Drive account so restricted docs display properly?",
            "Tell me how to put a Google Doc inside a page.",
            "gdocs embed in quillnote?",
            "Why can't teammates see my company Google Sheet embedded in a page?",
            "What's the way to show a live Google presentation in my notes?",
        ),
        key_facts=(
            "Google Docs",
            "Sheets or Slides",
            "choose Embed",
            "live preview",
            "Settings > Integrations > Google Drive",
        ),
        wrong_facts=(
            "as an attachment",
            "aren't supported",
            "can't be shown at all",
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
            "Our engineers want repo issues surfaced in the wiki, what do they need to set up?",
            "Our sprint notes reference lots of PRs, can they show whether each one is merged?",
            "Which plans include the GitHub integration?",
            "I pasted a GitHub issue URL and only got a plain link, what am I missing?",
            "Tell me how to get live GitHub issue status in my docs.",
            "github integration on plus?",
            "Can I track whether a GitHub issue is open or closed from inside a page?",
            "We use GitHub for engineering, how do we hook it up to our wiki?",
            "Do I need a paid plan to use GitHub with Quillnote?",
            "Where do I set up the GitHub connection?",
        ),
        key_facts=(
            "Settings > Integrations > GitHub",
            "issue or pull request link",
            "live title and status",
            "Plus, Team and Enterprise",
        ),
        wrong_facts=(
            "sync every page to a repository",
            "as Markdown files",
            "including Free",
            "at no extra cost",
            "every plan",
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
            "Is there a Zapier integration for Quillnote?",
            "I want every Typeform response to land as a new page, how would I set that up?",
            "Can I kick off a workflow in another tool whenever someone edits a page?",
            "Do I need a specific plan to use Zapier with Quillnote?",
            "How can I turn incoming emails into Quillnote pages automatically?",
            "zapier support?",
            "Tell me how to hook Quillnote into my no-code automations.",
            "I'm not a developer but want Quillnote to talk to our CRM, what are my options?",
            "Can I find Quillnote in the Zapier app directory?",
            "Is it possible to get a notification in another app when a page gets updated?",
        ),
        key_facts=(
            "Zapier on every plan",
            "Search for Quillnote in Zapier",
            "forms, emails or other apps",
            "trigger actions when a page is updated",
        ),
        wrong_facts=(
            "only available on the Enterprise plan",
            "can only read pages",
            "account manager",
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
            "Is there a REST API for developers?",
            "What endpoint should my script call to reach Quillnote?",
            "Where do I generate credentials to call Quillnote programmatically?",
            "What's the rate limit on the Quillnote API?",
            "Which plans include API access?",
            "I'm writing a script to pull our pages, how do I authorize the requests?",
            "api access on free plan?",
            "Tell me how to start using the Quillnote developer API.",
            "How many calls per minute can one token make?",
            "Do I pass the token in a header or as a query string?",
        ),
        key_facts=(
            "Settings > Integrations > API tokens",
            "Bearer token",
            "https://api.quillnote.com/v1",
            "Plus, Team and Enterprise",
            "100 requests per minute per token",
        ),
        wrong_facts=(
            "Settings > Developer",
            "api_key query parameter",
            "https://quillnote.com/api",
            "including Free",
            "no rate limit",
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
            "My company runs on Microsoft 365, will my work calendar events show up for notes?",
            "I waste time copying invite details into notes before every call, can that be automated?",
            "How do I link my Google Calendar account?",
            "Is there a command that starts a note for my next meeting?",
            "Where do I set up the calendar integration?",
            "calendar sync for meeting notes?",
            "Tell me how to make meeting notes that already list who's attending.",
            "Can a page be prefilled with the meeting time and title from my calendar?",
            "What does the calendar connection actually do once it is set up?",
            "What's the quickest way to start notes for a scheduled meeting?",
        ),
        key_facts=(
            "Google Calendar",
            "Outlook",
            "Settings > Integrations > Calendar",
            "/meeting",
            "event title, time and attendees",
        ),
        wrong_facts=(
            "no calendar integration",
            "by hand",
            "Meeting notes template",
            "template gallery",
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
            "Where can I download the Quillnote clipping extension?",
            "Is there a Chrome extension for Quillnote?",
            "I read a lot of blog posts and want to keep them in Quillnote, what's the easiest way?",
            "Can I grab a screenshot of a site straight into my notes?",
            "Does the clipper support Microsoft Edge?",
            "Where do things I clip from the browser end up?",
            "Tell me how to clip a webpage.",
            "save articles from my browser into quillnote?",
            "Can the extension save the whole article text, or just the link?",
            "I use Safari on my Mac, can I still clip pages?",
        ),
        key_facts=(
            "Web Clipper",
            "Chrome",
            "Firefox",
            "Edge or Safari",
            "quillnote.com/clipper",
            "full article",
            "bookmark",
            "screenshot",
            "to your Inbox",
        ),
        wrong_facts=(
            "only available for Chrome",
            "Chrome Web Store",
            "not the article text",
            "copy the content yourself",
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
            "Our IT department wants everyone logging in through our corporate identity provider, is that possible?",
            "Does Quillnote work with Microsoft Entra ID for logins?",
            "Where does an admin configure single sign-on?",
            "Can we sign in with our Google Workspace accounts via SAML?",
            "sso on enterprise only?",
            "Tell me which identity providers you support for sign-on.",
            "We use PingFederate, will that work for logging in to Quillnote?",
            "I can't find the SSO setup anywhere in our Team workspace.",
            "Is single sign-on included with the Plus plan?",
            "How do we get our staff to log in with their company credentials instead of a password?",
        ),
        key_facts=(
            "SAML single sign-on",
            "Enterprise plan",
            "Okta",
            "Microsoft Entra ID",
            "Azure AD",
            "Google Workspace",
            "SAML 2.0",
            "Settings > Security > SSO",
        ),
        wrong_facts=(
            "Team plan",
            "only works with Google Workspace",
            "Settings > Account",
            "Each member sets it up",
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
            "Which TLS version do you use?",
            "Our security team is asking how our stored notes are encrypted on your servers.",
            "Is anyone at Quillnote able to look at my private pages?",
            "Are my notes zero-knowledge or E2EE?",
            "what cipher protects my data on disk?",
            "Tell me how Quillnote keeps my content safe from eavesdropping.",
            "I'm storing confidential client info, is it encrypted?",
            "Can your support team see my workspace when I report a bug?",
            "Do attachments get encrypted too?",
            "How secure is data traveling between my laptop and your servers?",
        ),
        key_facts=(
            "TLS 1.3",
            "AES-256",
            "in transit",
            "at rest",
            "temporary access",
            "support ticket",
        ),
        wrong_facts=(
            "end-to-end encrypted",
            "can't recover them",
            "Attachments are not encrypted",
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
            "For GDPR reasons we need our content kept inside Europe, can you do that?",
            "We're a Berlin startup on the Plus plan, will our notes be stored in Frankfurt?",
            "Can I pick a data center region on the Team plan?",
            "Do you have servers in Germany?",
            "where's my stuff physically hosted?",
            "Tell me what hosting regions are available.",
            "We already set up our workspace, can we switch it to European hosting now?",
            "Do you offer hosting in Asia or Australia?",
            "Which plan lets us choose where our data lives?",
            "Our legal team asks which region our Quillnote data sits in.",
        ),
        key_facts=(
            "Enterprise workspaces",
            "EU (Frankfurt)",
            "US (Oregon)",
            "hosted in the US",
            "when the workspace is created",
        ),
        wrong_facts=(
            "Every plan",
            "Asia",
            "at any time",
            "Settings > Workspace > Region",
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
            "When someone leaves the company, can their Quillnote account be deactivated automatically from our directory?",
            "Does OneLogin provisioning work with Quillnote?",
            "How do I connect our IdP so new hires get Quillnote seats automatically?",
            "Which plan has automated user provisioning?",
            "scim with entra id?",
            "Tell me how to set up automatic onboarding and offboarding of members.",
            "I'm tired of inviting every new employee by hand, is there a better way?",
            "Our Okta admin is asking me for a bearer secret to sync accounts, where do I get it?",
            "Which identity providers can push users into Quillnote?",
            "Can our user directory create and remove Quillnote members for us?",
        ),
        key_facts=(
            "SCIM user provisioning",
            "included with Enterprise",
            "Okta",
            "Microsoft Entra ID",
            "Azure AD",
            "OneLogin",
            "SCIM token",
            "Settings > Security > Provisioning",
            "identity provider",
        ),
        wrong_facts=(
            "isn't supported on any plan",
            "invite new members by hand",
            "Settings > Members",
            "one at a time",
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
            "Our compliance team needs a record of who changed page permissions, where is that?",
            "How far back does the activity log go?",
            "Can I export our workspace's security events to a spreadsheet?",
            "Does Quillnote keep a history of logins for admins to review?",
            "audit trail on team plan?",
            "Tell me what events the audit log tracks.",
            "I need to find out who made a page public last month.",
            "Where can an admin see a log of account activity?",
            "Is the audit log only for Enterprise?",
            "Do you keep admin activity records for a year or longer?",
        ),
        key_facts=(
            "Enterprise admins",
            "Settings > Security > Audit log",
            "sign-ins",
            "sharing changes",
            "exports",
            "permission changes",
            "1 year",
            "CSV",
        ),
        wrong_facts=(
            "Every admin",
            "Settings > Members",
            "last 30 days",
            "sign-ins only",
            "can't be exported",
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
            "I want to send a page to a client who doesn't use Quillnote, how?",
            "Can I make one of my pages visible to anyone on the internet?",
            "As an admin, can I block everyone from making pages public?",
            "How do I get a shareable URL that works without logging in?",
            "publish a note as a website?",
            "Tell me how to turn a page into a public web page.",
            "Our security policy forbids public sharing, can we switch it off for the whole workspace?",
            "Where is the option to share a page with the outside world?",
            "Is there a setting to prevent members from publishing pages to the web?",
            "How can people outside our company read a doc without signing up?",
        ),
        key_facts=(
            "Click Share",
            "Publish to web",
            "Team and Enterprise",
            "disable public links",
            "Settings > Security",
        ),
        wrong_facts=(
            "can't be created",
            "Quillnote account",
            "export it as a PDF",
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
            "Can I make 2FA compulsory for everyone in our workspace?",
            "Our auditors require MFA for all users, can we enforce it in Quillnote?",
            "Where is the workspace setting that makes two-factor mandatory?",
            "mandatory mfa for the whole team?",
            "If I turn on required 2FA, what happens to people who haven't set it up yet?",
            "Tell me how to enforce two-step login across the workspace.",
            "Is enforcing 2FA possible on the Plus plan?",
            "Some of my members still log in with only a password, can I make them add a second factor?",
            "As workspace admin, how do I mandate two-factor for all members?",
            "Does requiring 2FA lock out members who haven't enabled it?",
        ),
        key_facts=(
            "Team and Enterprise admins",
            "two-factor authentication",
            "Settings > Security > Require 2FA",
            "next time they sign in",
        ),
        wrong_facts=(
            "can't require two-factor authentication",
            "on any plan",
            "each member decides",
            "Settings > Members",
            "reminder email",
        ),
        held_out=(
            "Can I make two-factor login compulsory across the workspace?",
            "Is there a setting that obliges everyone to enable 2FA?",
        ),
    ),
)

FACTS: tuple[Fact, ...] = BILLING + ACCOUNT + SYNC + SHORTCUTS + ERRORS + EXPORT + INTEGRATIONS + SECURITY

"""Fact sheet for the Parcelpoint demo support datasets (``generate_demo_data.py --product parcelpoint``).

Parcelpoint is a fictional parcel-locker and delivery service, the second product of the demo (the first is
Quillnote, ``demo_facts.py``): with two fine-tuned support assistants, a router picks one by the topic of a
conversation. Every fact below is invented. The structure is the same as ``demo_facts.py`` (same `Fact`
type): one canonical ``answer`` per fact (1-3 sentences, at most 60 words), a plausible ``wrong`` one,
training ``questions`` (16 per fact; some name Parcelpoint) and ``held_out`` questions (2 per fact) for
golden.jsonl. Held-out questions never name the product ("Parcelpoint", or "Parcel" as a name): a router is
measured on them without the name, and the generator refuses a fact sheet where one does.

Sizes and prices that several answers rely on (keep them consistent when editing):

======  ===============  ==========  ===============  ===============
Size    Max (H x W x D)  Max weight  Locker to locker To a home address
======  ===============  ==========  ===============  ===============
Small   8 x 38 x 64 cm   5 kg        $3.99            $6.49
Medium  19 x 38 x 64 cm  10 kg       $5.49            $7.99
Large   41 x 38 x 64 cm  20 kg       $7.99            $10.49
======  ===============  ==========  ===============  ===============

Home delivery adds $2.50 (also the price of redirecting a parcel to a home address; redirecting to another
locker is free, once per parcel). Parcelpoint Plus: $4.99/month or $49/year, 15% off every send, Parcel
Protect included. Cover: $50 per parcel, up to $500 with Parcel Protect ($1.49). Pickup: 6-digit code,
72 hours in the locker, one free 24-hour extension; uncollected parcels wait 5 days at the regional depot
(redelivery $2.99), then go back to the sender. Drop-off codes last 7 days, return codes 14 days. Drop-off by
6 pm on a business day: next business day to a locker, 1 to 2 business days to a home; home deliveries
8 am to 9 pm, Monday to Saturday. Tracking numbers: PP + 10 digits. App and locker error codes: PP-102,
PP-204, PP-310, PP-418, PP-503.
"""

from __future__ import annotations

from demo_facts import Fact

SYSTEM_PROMPT = "You are Parcel, the support assistant for Parcelpoint. Answer accurately and concisely."

CATEGORIES: tuple[str, ...] = (
    "sending",
    "receiving",
    "tracking",
    "returns",
    "claims",
    "errors",
    "account",
)

# Short human label per category, used in filler sentences of "verbose" rejected answers.
CATEGORY_TOPICS: dict[str, str] = {
    "sending": "sending parcels",
    "receiving": "collecting parcels",
    "tracking": "tracking and delivery",
    "returns": "returns",
    "claims": "lost and damaged parcels",
    "errors": "error codes",
    "account": "payments and membership",
}

# Optional context sentences a user may put before a question. None of them changes the right answer.
CATEGORY_CONTEXTS: dict[str, tuple[str, ...]] = {
    "sending": (
        "I sell a few things online from home.",
        "I'm sending a birthday present to my sister.",
        "I've never sent anything with you before.",
    ),
    "receiving": (
        "I ordered something online last week.",
        "My usual locker is at the train station.",
        "I'm expecting a parcel today.",
    ),
    "tracking": (
        "I'm waiting on an important delivery.",
        "The shop gave me a tracking link.",
        "I work from home most days.",
    ),
    "returns": (
        "I bought shoes that don't fit.",
        "The shop told me to use your lockers for returns.",
        "I'm returning a few things this week.",
    ),
    "claims": (
        "This is the first time something's gone wrong.",
        "The parcel had something valuable in it.",
        "I'm pretty frustrated right now.",
    ),
    "errors": (
        "I'm standing at the locker right now.",
        "The app just showed an error.",
        "This started happening today.",
    ),
    "account": (
        "I use the app a lot.",
        "I send parcels every week for my small business.",
        "I just signed up.",
    ),
}

# Product-flavoured text of the generated files (Quillnote's live in generate_demo_data.py).
GREETINGS: tuple[str, ...] = (
    "Hi!",
    "Hello!",
    "Hey there!",
    "Hi Parcel,",
    "Hello Parcel,",
    "Quick question:",
    "Sorry if this is obvious, but",
    "Hoping you can help:",
)
EVASIVE_ANSWERS: tuple[str, ...] = (
    "I'm not sure, please check the help pages.",
    "Hmm, I can't say for certain. Try the Help tab in the app.",
    "That depends on the locker. You might want to contact support.",
    "I'd rather not guess, since it may have changed. Please check parcelpoint.com/help.",
    "There are a few possibilities, so it's hard to say. Maybe ask the sender?",
    "I don't have that information right now. Please reach out to our support team.",
    "It varies from parcel to parcel. Have a look around the app and see if anything helps.",
    "Good question! I'm not certain, though, so please check the FAQ.",
)
VERBOSE_INTROS: tuple[str, ...] = (
    "Thank you so much for reaching out, and what a great question!",
    "I completely understand why you'd want to know this, and I'm really glad you asked.",
    "Before I answer, I just want to say that we truly appreciate you choosing Parcelpoint.",
    "Questions about {topic} come up quite often, so you're definitely not alone in wondering about this.",
    "There's quite a bit of background here, so let me walk through it step by step.",
    "Let me start by saying that this is one of the topics people ask us about the most.",
)
VERBOSE_OUTROS: tuple[str, ...] = (
    "I hope this rather detailed explanation helps, and please don't hesitate to reach out again if "
    "anything is unclear.",
    "Of course, every parcel is different, so your experience may vary a little depending on where you "
    "send from.",
    "If you have any other questions at all, about this or anything else, we're always here and happy "
    "to help.",
    "As always, we're constantly improving Parcelpoint, so it's worth keeping an eye on our app updates too.",
    "Thanks again for your patience in reading through all of this, and have a wonderful rest of your day!",
)

SENDING: tuple[Fact, ...] = (
    Fact(
        key="parcel_sizes",
        category="sending",
        answer=(
            "Parcelpoint has three sizes: Small up to 8 x 38 x 64 cm and 5 kg, Medium up to 19 x 38 x 64 cm "
            "and 10 kg, and Large up to 41 x 38 x 64 cm and 20 kg. Nothing over 20 kg can be sent."
        ),
        wrong=(
            "Parcelpoint has two sizes: Standard up to 30 x 40 x 60 cm and 15 kg, and Large up to 50 x 50 x 70 cm"
            " and 30 kg. Anything heavier, or longer than 70 cm on any side, needs a courier booking at the "
            "counter."
        ),
        questions=(
            "What parcel sizes can I send?",
            "How big can a parcel be?",
            "What's the weight limit for sending a parcel?",
            "What are the dimensions of a Medium parcel?",
            "How heavy can a Large parcel be?",
            "Can I send something that weighs 25 kg?",
            "What sizes does Parcelpoint offer for sending?",
            "max size for a small locker parcel?",
            "I'm shipping a pair of boots in a shoebox. Which size class would that fall under, and how much "
            "can it weigh?",
            "Tell me the maximum measurements for each parcel size.",
            "Is there a heaviest weight you'll accept?",
            "How thick can a Small parcel be?",
            "Do you have an extra-large option above Large?",
            "Size chart for Parcelpoint parcels?",
            "What's the kg limit on each compartment size?",
            "Will a box that's 40 cm tall fit in your biggest size?",
        ),
        key_facts=(
            "three sizes",
            "8 x 38 x 64 cm",
            "5 kg",
            "19 x 38 x 64 cm",
            "10 kg",
            "41 x 38 x 64 cm",
            "20 kg",
        ),
        wrong_facts=(
            "two sizes",
            "Standard",
            "15 kg",
            "30 kg",
            "courier booking",
        ),
        held_out=(
            "Which box dimensions and weights are allowed for each package class?",
            "I need to ship something bulky. What are the maximum measurements and kilos you accept?",
        ),
    ),
    Fact(
        key="sending_prices",
        category="sending",
        answer=(
            "Sending locker to locker costs $3.99 for Small, $5.49 for Medium and $7.99 for Large. Delivery "
            "to a home address adds $2.50, and Parcelpoint Plus members get 15% off every send."
        ),
        wrong=(
            "Sending costs a flat $4.99 for any size up to 10 kg and $9.99 above that, whichever locker you use. "
            "Home delivery is included at no extra cost, and there are no member or bulk discounts."
        ),
        questions=(
            "How much does it cost to send a parcel?",
            "What are your sending prices?",
            "How much is a Large parcel to send?",
            "Is home delivery more expensive than sending to a locker?",
            "What's the price for a Small parcel?",
            "How much does Parcelpoint charge per parcel?",
            "Price list for sending Small, Medium and Large?",
            "how much to post a medium box?",
            "I run a little online shop and send about twenty orders a week. What would each one cost me "
            "with you?",
            "Does sending to someone's door cost extra?",
            "Tell me the fee for a locker-to-locker send.",
            "Is the price based on size or weight?",
            "Do members get a discount on sending?",
            "Cheapest way to send a small package with Parcelpoint?",
            "What will I pay to ship a 15 kg box to my dad's house?",
            "Are prices the same for every parcel size?",
        ),
        key_facts=(
            "locker to locker",
            "$3.99",
            "$5.49",
            "$7.99",
            "adds $2.50",
            "15% off",
        ),
        wrong_facts=(
            "flat $4.99",
            "$9.99",
            "no extra cost",
        ),
        held_out=(
            "What's the fee to ship a package between two lockers?",
            "How much extra is it if I want the box delivered to the recipient's front door?",
        ),
    ),
    Fact(
        key="how_to_send",
        category="sending",
        answer=(
            "In the app, tap Send > New parcel, pick a size and the recipient's locker or address, and pay. "
            "You get a drop-off code valid for 7 days; enter it at any Parcelpoint locker and put the parcel "
            "in the compartment that opens, no label or printer needed."
        ),
        wrong=(
            "Print a shipping label at parcelpoint.com/send and tape it to the parcel, keeping the barcode flat. "
            "Then take it to a staffed Parcelpoint counter within 48 hours, since lockers only accept parcels for"
            " pickup and can't read labels."
        ),
        questions=(
            "How do I send a parcel?",
            "What are the steps to ship something with Parcelpoint?",
            "Do I need to print a label?",
            "How do I drop off a parcel at a locker?",
            "I've never sent anything before, where do I start?",
            "How long is my drop-off code valid?",
            "Can I send a parcel without a printer?",
            "how do i post something from a locker?",
            "My friend moved across the country and I want to mail her a jacket using one of your lockers. "
            "Walk me through it.",
            "Where in the app do I create a new shipment?",
            "Which lockers can I drop my parcel into?",
            "Tell me how to get a parcel into the locker system.",
            "Do I have to go to a specific locker to drop off?",
            "What happens after I pay for a send?",
            "Is there a deadline for dropping off after I buy postage?",
            "Can I ship a package straight from my phone?",
        ),
        key_facts=(
            "Send > New parcel",
            "drop-off code",
            "7 days",
            "any Parcelpoint locker",
            "no label or printer needed",
        ),
        wrong_facts=(
            "Print a shipping label",
            "parcelpoint.com/send",
            "Parcelpoint counter",
            "48 hours",
            "only accept parcels for pickup",
        ),
        held_out=(
            "What's the process for mailing an item through one of your lockers?",
            "Is a printed shipping label required when I hand in a package?",
        ),
    ),
    Fact(
        key="prohibited_items",
        category="sending",
        answer=(
            "You can't send cash, live animals, flammable liquids, aerosols or loose lithium batteries. "
            "Batteries fitted inside a device, like a phone or laptop, are fine, and parcels with banned "
            "items are returned to the sender."
        ),
        wrong=(
            "You can't send cash or live animals, but everything else is allowed, including perfume, lithium "
            "batteries and spray cans up to 1 litre, as long as you tick the hazardous box and pay a $2 "
            "surcharge."
        ),
        questions=(
            "What items are banned from parcels?",
            "Can I send a laptop?",
            "Is it okay to ship perfume?",
            "Can I put cash in a parcel?",
            "What can't I send with Parcelpoint?",
            "Are batteries allowed?",
            "Can I send aerosol deodorant?",
            "list of prohibited stuff?",
            "I'm mailing my nephew a remote-control car with spare batteries in the box. Is that going to be "
            "a problem?",
            "Tell me what's not allowed in a locker parcel.",
            "Do you accept parcels containing liquids like lighter fluid?",
            "What happens if someone sends something that isn't permitted?",
            "Can pets or other animals be shipped?",
            "Are phones with batteries inside okay to send?",
            "Is there anything I shouldn't pack in my box?",
            "Restricted goods for sending?",
        ),
        key_facts=(
            "cash",
            "live animals",
            "flammable liquids",
            "aerosols",
            "loose lithium batteries",
            "inside a device",
            "returned to the sender",
        ),
        wrong_facts=(
            "everything else is allowed",
            "perfume",
            "spray cans",
            "hazardous box",
        ),
        held_out=(
            "Which things am I forbidden from shipping through your service?",
            "Would a spray can or spare power cells be accepted in my package?",
        ),
    ),
)

RECEIVING: tuple[Fact, ...] = (
    Fact(
        key="pickup_code",
        category="receiving",
        answer=(
            "When your parcel arrives, we send a 6-digit pickup code by app notification and SMS. Enter it "
            "on the locker screen or tap Open in the app near the locker, and your compartment door opens."
        ),
        wrong=(
            "When your parcel arrives, we email a 4-letter pickup code, valid only on the day it's sent. Show it "
            "to the attendant at the locker site, who checks your name and opens the compartment for you."
        ),
        questions=(
            "How do I get my pickup code?",
            "Where do I find the code to open my locker?",
            "How do I collect a parcel from a locker?",
            "I didn't get a pickup code, how is it sent?",
            "How many digits is the pickup code?",
            "Can I open the locker with my phone?",
            "What do I do when I get to the Parcelpoint locker?",
            "how do i open the locker door?",
            "My order says it's waiting in a locker near my office. I've never used one. How do I actually "
            "get it out?",
            "Is the collection code sent by text message?",
            "Tell me how to retrieve something from a locker.",
            "Do I type the code on the locker or in the app?",
            "Where does Parcelpoint send the pickup code?",
            "What's the code for, and how do I use it?",
            "Is there a way to open the compartment without typing anything?",
            "My package is ready for pickup. Now what?",
        ),
        key_facts=(
            "6-digit pickup code",
            "app notification",
            "SMS",
            "locker screen",
            "tap Open",
        ),
        wrong_facts=(
            "4-letter pickup code",
            "email",
            "attendant",
        ),
        held_out=(
            "How will I know the number needed to unlock the compartment holding my delivery?",
            "What's the process for retrieving an order waiting at one of your lockers?",
        ),
    ),
    Fact(
        key="pickup_window",
        category="receiving",
        answer=(
            "Your parcel waits in the locker for 72 hours from the moment you get the pickup code. You can "
            "extend that once by 24 hours for free under Parcels > Extend pickup."
        ),
        wrong=(
            "Your parcel waits in the locker for 7 days from delivery. You can extend it as many times as you "
            "like for $1 per day from the locker screen, up to a maximum of 21 days in total."
        ),
        questions=(
            "How long will my parcel stay in the locker?",
            "Can I extend my pickup time?",
            "How many days do I have to collect a parcel?",
            "I'm away this weekend, can the parcel wait longer?",
            "Is there a time limit for picking up?",
            "How do I get more time to collect?",
            "Does it cost anything to extend the collection window?",
            "how long do i have to grab my parcel?",
            "My parcel arrived this morning but I'm stuck at work until Thursday. Will it still be there "
            "when I can get to the locker?",
            "Tell me the pickup deadline for a locker delivery.",
            "Where's the option to add a day to my pickup?",
            "Can I extend pickup more than once?",
            "When does the clock start on the collection period?",
            "Parcelpoint locker holding time?",
            "What's the max number of hours a parcel sits in the locker?",
            "I'm sick and can't get out, can you keep my parcel a bit longer?",
        ),
        key_facts=(
            "72 hours",
            "once",
            "24 hours",
            "for free",
            "Parcels > Extend pickup",
        ),
        wrong_facts=(
            "7 days",
            "as many times as you like",
            "$1 per day",
        ),
        held_out=(
            "How much time do I get to collect a package once it's been delivered to the locker?",
            "Is it possible to keep an item in the compartment for an extra day?",
        ),
    ),
    Fact(
        key="someone_else_collects",
        category="receiving",
        answer=(
            "Anyone with the pickup code can collect the parcel, and lockers don't check ID. Share the code "
            "from Parcels > Share code, and you'll get a notification as soon as the door is opened."
        ),
        wrong=(
            "Only the named recipient can collect, and they must show photo ID to the locker camera. To let "
            "someone else collect, add them as a delegate under Account > Family at least 24 hours in advance."
        ),
        questions=(
            "Can someone else pick up my parcel?",
            "Can my partner collect a package for me?",
            "Do I need ID to collect from a locker?",
            "How do I send the pickup code to a friend?",
            "I'm travelling, can my neighbour grab my parcel?",
            "Does the person collecting need to be the recipient?",
            "How do I share my pickup code?",
            "can my roommate get my package?",
            "My elderly mum ordered medication to a Parcelpoint locker but can't walk there. Can I fetch it "
            "for her instead?",
            "Will the locker ask for identification?",
            "Tell me how to let a colleague collect my delivery.",
            "Is collection restricted to the person the parcel is addressed to?",
            "Will I know when someone else has picked it up?",
            "Where's the button to forward my code to someone?",
            "Can a family member use my code?",
            "Do lockers verify who is collecting?",
        ),
        key_facts=(
            "Anyone with the pickup code",
            "don't check ID",
            "Parcels > Share code",
            "notification",
        ),
        wrong_facts=(
            "Only the named recipient",
            "photo ID",
            "delegate",
            "Account > Family",
        ),
        held_out=(
            "My brother is near the locker. Is he allowed to take my delivery out for me?",
            "Is proof of identity required when retrieving an item?",
        ),
    ),
    Fact(
        key="locker_hours",
        category="receiving",
        answer=(
            "Most Parcelpoint lockers are open 24/7. Lockers inside shops, stations or shopping centres "
            "follow that building's opening hours, which the app's locker map shows on each locker's page."
        ),
        wrong=(
            "All Parcelpoint lockers are open from 6 am to 10 pm every day, including those inside shops and "
            "stations. Outside those hours the compartments stay locked and the screens switch off to save power."
        ),
        questions=(
            "What time are the lockers open?",
            "Can I collect my parcel at night?",
            "Are lockers open on Sundays?",
            "Is the locker at the train station open 24 hours?",
            "What are Parcelpoint's locker opening hours?",
            "Can I drop off a parcel at 3 am?",
            "Do lockers close on public holidays?",
            "locker hours?",
            "I work night shifts and can only get to the locker around midnight. Will it let me in?",
            "Tell me when I can access a locker.",
            "The locker I use is inside a supermarket. Does that change when I can get to it?",
            "Where can I see if a particular locker is open right now?",
            "Are all lockers available around the clock?",
            "Can I use a locker early in the morning before work?",
            "do lockers in malls have different times?",
            "Is there any time of day the lockers are shut?",
        ),
        key_facts=(
            "24/7",
            "opening hours",
            "locker map",
        ),
        wrong_facts=(
            "6 am to 10 pm",
            "stay locked",
        ),
        held_out=(
            "When am I able to get to the compartments, day or night?",
            "Are the units in shopping centres accessible at any hour?",
        ),
    ),
    Fact(
        key="choose_locker",
        category="receiving",
        answer=(
            "At the shop's checkout, choose Parcelpoint Locker as the delivery option and enter the "
            "6-character locker ID shown on the app's locker map and on the locker screen. Save a favourite "
            "under Profile > Home locker to fill it in faster."
        ),
        wrong=(
            "Use your Parcelpoint locker's street address as your home address at checkout, and write the "
            "locker number on line 2. Any shop that delivers to your address will deliver to the locker."
        ),
        questions=(
            "How do I get an online order delivered to a locker?",
            "Can I choose a locker when I order from a shop?",
            "Where do I find a locker's ID?",
            "How do I set a favourite locker?",
            "What do I enter at checkout to ship to Parcelpoint?",
            "Can I have my parcels sent to the locker near my work?",
            "How long is a locker ID?",
            "how do i pick a locker as my delivery address?",
            "I keep missing deliveries at home, so I'd like my next online order to go to the locker at the "
            "gym instead. What do I type in at checkout?",
            "Tell me how to save a home locker in my profile.",
            "Which delivery option do I select in an online store to use your lockers?",
            "Is there a code for each locker I need when ordering?",
            "Can I pre-fill my preferred locker?",
            "Where's the locker identifier written?",
            "What should I put as the shipping destination to use a locker?",
            "Delivering web purchases to a locker, how?",
        ),
        key_facts=(
            "Parcelpoint Locker",
            "6-character locker ID",
            "locker map",
            "Profile > Home locker",
        ),
        wrong_facts=(
            "street address",
            "line 2",
            "Any shop",
        ),
        held_out=(
            "I'm buying something on a retailer's website. How do I route it to a compartment instead of my "
            "house?",
            "What details does a store need so my purchase ends up at a specific pickup point?",
        ),
    ),
)

TRACKING: tuple[Fact, ...] = (
    Fact(
        key="tracking_number",
        category="tracking",
        answer=(
            "Tracking numbers start with PP followed by 10 digits. Track a parcel in the Parcels tab of the "
            "app or at parcelpoint.com/track, where the status updates at every scan."
        ),
        wrong=(
            "Tracking numbers are 8 letters long and start with PX. You can only track a parcel by texting the "
            "number to our tracking line, which replies with the latest status twice a day."
        ),
        questions=(
            "How do I track my parcel?",
            "Where can I see where my package is?",
            "What does a Parcelpoint tracking number look like?",
            "Can I track a parcel without the app?",
            "Where do I enter my tracking number?",
            "How often does tracking update?",
            "Is there a tracking website?",
            "where's my parcel right now?",
            "The shop emailed me a long code starting with PP and I have no idea what to do with it. Is that "
            "a tracking number?",
            "Tell me how to follow my shipment's progress.",
            "How many characters are in a tracking number?",
            "Can I check tracking in a browser?",
            "Where in the app are my parcels listed?",
            "Tracking link for Parcelpoint?",
            "My tracking hasn't moved since yesterday, when does it refresh?",
            "What format do your tracking codes use?",
        ),
        key_facts=(
            "PP followed by 10 digits",
            "Parcels tab",
            "parcelpoint.com/track",
            "every scan",
        ),
        wrong_facts=(
            "8 letters",
            "PX",
            "texting the number",
            "tracking line",
        ),
        held_out=(
            "Where do I look up the current location of a shipment?",
            "Which prefix do your consignment reference numbers begin with?",
        ),
    ),
    Fact(
        key="delivery_speed",
        category="tracking",
        answer=(
            "Parcels dropped off by 6 pm on a business day reach the destination locker the next business "
            "day. Home deliveries take 1 to 2 business days, and we don't deliver on Sundays."
        ),
        wrong=(
            "Parcels dropped off by noon arrive the same day anywhere in the country. Home deliveries take 3 to 5"
            " business days, including Sundays and public holidays, and can't be sped up."
        ),
        questions=(
            "How long does delivery take?",
            "When will my parcel arrive?",
            "What's the cutoff time to drop off for next-day delivery?",
            "Do you deliver on Sundays?",
            "How fast is home delivery?",
            "If I drop off on Friday evening, when does it arrive?",
            "Is there same-day delivery?",
            "how many days for a locker to locker send?",
            "I need a birthday present to reach my friend's locker by Wednesday. If I drop it off Tuesday "
            "lunchtime, will it make it?",
            "Tell me the delivery times for lockers versus homes.",
            "What's the latest I can drop something off and still get next-day?",
            "Does Parcelpoint deliver at weekends?",
            "How quickly do locker shipments get there?",
            "Delivery time estimate?",
            "Is there a daily deadline for drop-offs?",
            "How long until my mum gets a parcel sent to her house?",
        ),
        key_facts=(
            "6 pm",
            "next business day",
            "1 to 2 business days",
            "Sundays",
        ),
        wrong_facts=(
            "by noon",
            "same day",
            "3 to 5 business days",
            "including Sundays",
        ),
        held_out=(
            "If I hand in a package this afternoon, when will it reach the other locker?",
            "How many days does doorstep shipping usually need?",
        ),
    ),
    Fact(
        key="delivery_windows",
        category="tracking",
        answer=(
            "Home deliveries run from 8 am to 9 pm, Monday to Saturday. By 8 am on delivery day the app "
            "shows a 2-hour delivery window, and you can follow the driver live once they're 10 stops away."
        ),
        wrong=(
            "Home deliveries run from 7 am to 11 pm, seven days a week. You can book an exact 30-minute slot "
            "when you create the parcel for an extra $1."
        ),
        questions=(
            "What time will my home delivery come?",
            "Can I choose a delivery time slot?",
            "What hours do drivers deliver?",
            "Do you deliver in the evening?",
            "When do I find out my delivery window?",
            "Can I track the driver?",
            "How precise is the delivery time estimate?",
            "what time does the driver usually show up?",
            "I've got a parcel coming to my flat tomorrow but I have a dentist appointment in the afternoon. "
            "How do I know when to be home?",
            "Tell me the delivery hours for doorstep drops.",
            "Is there a live map of where the van is?",
            "Does Parcelpoint deliver to homes on Saturdays?",
            "How early in the morning might a driver arrive?",
            "When does the app tell me the time window?",
            "Can I book a specific hour for my delivery?",
            "Latest time a courier will knock on my door?",
        ),
        key_facts=(
            "8 am to 9 pm",
            "Monday to Saturday",
            "2-hour delivery window",
            "10 stops away",
        ),
        wrong_facts=(
            "7 am to 11 pm",
            "seven days a week",
            "30-minute slot",
            "extra $1",
        ),
        held_out=(
            "At what times of day might a courier show up at my address?",
            "Is there a way to know roughly when the van will arrive at my house?",
        ),
    ),
    Fact(
        key="redirect",
        category="tracking",
        answer=(
            "You can redirect a parcel once, from Parcels > Redirect, until its status shows Out for "
            "delivery. Switching to another locker is free, and switching to a home address costs $2.50."
        ),
        wrong=(
            "You can redirect a parcel as often as you like, even after the driver has it, by calling support. "
            "Every change costs $5 and adds one business day to the delivery, whatever the new destination."
        ),
        questions=(
            "Can I change the delivery address after sending?",
            "How do I redirect my parcel to a different locker?",
            "Can I send my parcel to another locker instead?",
            "Is it possible to reroute a parcel that's already on its way?",
            "How much does it cost to redirect a parcel?",
            "Can I switch from home delivery to a locker?",
            "How many times can I change where my parcel goes?",
            "change delivery to my work address?",
            "I won't be home tomorrow when my package is due, so I'd rather it went to the locker by the "
            "station. Can I still change it?",
            "Tell me where in the app to update a parcel's destination.",
            "Is there a fee to move my delivery to a different locker?",
            "When is it too late to change the destination?",
            "Can Parcelpoint deliver to my house instead of the locker I picked?",
            "Redirect a delivery, how?",
            "Once the driver has it, can I still reroute?",
            "Can I move my incoming parcel to a locker nearer my office?",
        ),
        key_facts=(
            "once",
            "Parcels > Redirect",
            "Out for delivery",
            "another locker is free",
            "$2.50",
        ),
        wrong_facts=(
            "as often as you like",
            "calling support",
            "$5",
        ),
        held_out=(
            "My package is in transit. Can I send it somewhere else?",
            "Up to what point am I allowed to pick a new destination for something on its way to me?",
        ),
    ),
    Fact(
        key="missed_delivery",
        category="tracking",
        answer=(
            "If nobody is home, the driver doesn't try again. Your parcel goes to the nearest Parcelpoint "
            "locker the same evening, and you get a pickup code with the usual 72 hours to collect."
        ),
        wrong=(
            "If nobody is home, the driver leaves the parcel with a neighbour or tries again the next day. After "
            "3 attempts it goes back to the sender, and a card through your door tells you after each one."
        ),
        questions=(
            "What happens if I'm not home for a delivery?",
            "I missed my delivery, what now?",
            "Will the driver try again tomorrow?",
            "Does the driver leave parcels with neighbours?",
            "Where does my parcel go if nobody answers the door?",
            "I was out when the courier came, how do I get my package?",
            "Is there a second delivery attempt?",
            "missed the driver, where's my parcel?",
            "The app says my delivery was attempted at 2 pm but I was in a meeting. Is it coming back later "
            "or do I have to go somewhere?",
            "Tell me what happens to a home delivery when I'm out.",
            "How long do I have to collect a parcel after a missed delivery?",
            "Can the courier just leave it on my doorstep?",
            "How many times will Parcelpoint attempt delivery?",
            "Do I get a new code after a failed delivery?",
            "Nobody was in, does the parcel go back to the sender?",
            "When a door delivery fails, which locker does it end up in?",
        ),
        key_facts=(
            "doesn't try again",
            "nearest Parcelpoint locker",
            "same evening",
            "72 hours",
        ),
        wrong_facts=(
            "with a neighbour",
            "next day",
            "3 attempts",
            "goes back to the sender",
        ),
        held_out=(
            "The courier came while I was at work. Will they return or is it somewhere else now?",
            "What happens to a shipment if there's no answer at my address?",
        ),
    ),
)

RETURNS: tuple[Fact, ...] = (
    Fact(
        key="return_to_retailer",
        category="returns",
        answer=(
            "If the shop offers Parcelpoint returns, enter its return code under Send > Return a parcel and "
            "drop the parcel at any locker, with no label needed. Return codes are valid for 14 days from "
            "when the shop issues them."
        ),
        wrong=(
            "Print the return label from the shop's email, attach it to the box and hand it to any "
            "Parcelpoint driver. Return labels are valid for 30 days."
        ),
        questions=(
            "How do I return something I bought online?",
            "Can I return a parcel through a locker?",
            "Do I need to print a return label?",
            "Where do I enter my return code?",
            "How long is a return code valid?",
            "The shop gave me a return code, what do I do with it?",
            "How do I send back an item to a retailer?",
            "returning clothes, how does it work with lockers?",
            "I ordered a jacket in the wrong size and the store says I can send it back through Parcelpoint. "
            "What are the steps?",
            "Tell me how returns work with your lockers.",
            "Which lockers accept returns?",
            "Does a return need a label on the box?",
            "Where in the app is the returns option?",
            "My return code is two weeks old, does it still work?",
            "Can I drop a return at a different locker from where I collected it?",
            "Returning an order to the store with Parcelpoint?",
        ),
        key_facts=(
            "return code",
            "Send > Return a parcel",
            "any locker",
            "no label needed",
            "14 days",
        ),
        wrong_facts=(
            "Print the return label",
            "Parcelpoint driver",
            "30 days",
        ),
        held_out=(
            "The jeans I ordered don't fit. How do I get them back to the merchant?",
            "What's the procedure for sending an unwanted purchase back to the seller?",
        ),
    ),
    Fact(
        key="return_refunds",
        category="returns",
        answer=(
            "Your refund comes from the shop, not from Parcelpoint, usually once the shop scans the return. "
            "A drop-off receipt appears under Parcels > Returns within 1 hour, which you can show the shop "
            "as proof."
        ),
        wrong=(
            "Parcelpoint refunds you directly as soon as the locker door closes on your return. The money "
            "reaches your card within 24 hours."
        ),
        questions=(
            "When will I get my money back for a return?",
            "Who refunds me when I return something?",
            "How do I prove I returned an item?",
            "Where's my return receipt?",
            "I returned a parcel a week ago and haven't been refunded. Why?",
            "Does Parcelpoint pay the refund?",
            "How long until the shop refunds my return?",
            "can i get proof of drop off for a return?",
            "The retailer claims they never got my return, but I dropped it in a locker on Monday. How do I "
            "show them I sent it?",
            "Tell me where return receipts show up in the app.",
            "Is there a confirmation when my return is dropped off?",
            "Who do I chase about a missing refund?",
            "How soon after drop-off is the return receipt available?",
            "Do you handle refunds for returned orders?",
            "Return refund status?",
            "My refund hasn't come through, is that on you or the store?",
        ),
        key_facts=(
            "from the shop",
            "drop-off receipt",
            "Parcels > Returns",
            "1 hour",
            "proof",
        ),
        wrong_facts=(
            "refunds you directly",
            "as soon as the locker door closes",
            "24 hours",
        ),
        held_out=(
            "I sent back an order days ago and still have no money. Who handles that?",
            "What evidence do I get that my return went into the locker?",
        ),
    ),
    Fact(
        key="uncollected_parcels",
        category="returns",
        answer=(
            "If a parcel isn't collected in time, it moves to the regional depot for 5 days, where you can "
            "book a redelivery to any locker for $2.99 under Parcels > Redeliver. After those 5 days it goes "
            "back to the sender."
        ),
        wrong=(
            "If a parcel isn't collected in time, it's returned to the sender straight away. You can't get "
            "it back, and the sender is charged a $10 return fee."
        ),
        questions=(
            "What happens if I don't collect my parcel in time?",
            "My pickup code expired, is my parcel gone?",
            "Can I get a parcel back after the pickup time ran out?",
            "How do I book a redelivery?",
            "How much does redelivery cost?",
            "Where do uncollected parcels go?",
            "How long does the depot keep my parcel?",
            "forgot to pick up my parcel, now what?",
            "I was in hospital and missed the collection window for my parcel. Is there any way to still get "
            "it?",
            "Tell me what happens to parcels left in a locker too long.",
            "Does an uncollected parcel get sent back to the sender?",
            "Can Parcelpoint put my parcel back in a locker after it expired?",
            "Is there a fee to get an expired parcel delivered again?",
            "When does an uncollected parcel get returned?",
            "Missed pickup deadline?",
            "Which menu lets me rebook an expired locker delivery?",
        ),
        key_facts=(
            "regional depot",
            "5 days",
            "$2.99",
            "Parcels > Redeliver",
            "back to the sender",
        ),
        wrong_facts=(
            "straight away",
            "can't get it back",
            "$10 return fee",
        ),
        held_out=(
            "I didn't make it to the locker before the deadline. Can I still get my item?",
            "What becomes of a package nobody picks up?",
        ),
    ),
)

CLAIMS: tuple[Fact, ...] = (
    Fact(
        key="lost_parcel",
        category="claims",
        answer=(
            "If tracking hasn't updated for 5 business days, the sender can file a claim under Help > Claims "
            "> Lost parcel. We investigate and decide within 10 business days."
        ),
        wrong=(
            "If tracking hasn't updated for 48 hours, the recipient should email claims@parcelpoint.com with the "
            "order number and a receipt. We decide within 30 days and send the outcome by post."
        ),
        questions=(
            "My parcel is lost, what do I do?",
            "How do I file a claim for a missing parcel?",
            "Tracking hasn't moved in a week, can I claim?",
            "Who can make a lost parcel claim?",
            "How long does a lost parcel investigation take?",
            "Where do I report a parcel that never arrived?",
            "When can I report a parcel as lost?",
            "my package vanished, help?",
            "I sent my daughter a box of books ten days ago and the tracking still says In transit. What are "
            "my options?",
            "Tell me how claims work for parcels that go missing.",
            "Can the recipient file the claim, or does the sender have to?",
            "How many days must pass before Parcelpoint considers a parcel lost?",
            "Where in the app are claims?",
            "When will I hear back on my missing parcel claim?",
            "Lost in transit, what now?",
            "Is there a waiting period before reporting a missing shipment?",
        ),
        key_facts=(
            "5 business days",
            "the sender",
            "Help > Claims > Lost parcel",
            "10 business days",
        ),
        wrong_facts=(
            "48 hours",
            "the recipient",
            "claims@parcelpoint.com",
            "30 days",
        ),
        held_out=(
            "A box I shipped seems to have disappeared. How do I start an investigation?",
            "Tracking has been frozen for over a week. Whose job is it to report that and how?",
        ),
    ),
    Fact(
        key="damaged_parcel",
        category="claims",
        answer=(
            "Report damage within 48 hours of pickup under Help > Claims > Damaged parcel, with photos of the "
            "item and the packaging. Keep the packaging until the claim is closed, as we may ask to see it."
        ),
        wrong=(
            "Report damage within 14 days by emailing photos to support@parcelpoint.com. You can throw the "
            "packaging away, since we only need pictures of the item, and a driver collects it within 3 days."
        ),
        questions=(
            "My parcel arrived damaged, what do I do?",
            "How do I report a broken item?",
            "How long do I have to report damage?",
            "Do I need photos for a damage claim?",
            "Should I keep the box after my parcel arrived broken?",
            "Where do I file a damaged parcel claim?",
            "The contents of my package were smashed. Can I claim?",
            "box came crushed, what now?",
            "I opened my parcel and the vase inside was in pieces. The outside box was dented too. How do I "
            "get this sorted?",
            "Tell me the deadline for damage reports.",
            "What evidence do you need for a damaged delivery?",
            "Can I throw away the packaging before my claim is done?",
            "Is there a time limit on reporting a damaged parcel to Parcelpoint?",
            "Damage claim, how?",
            "Who do I tell if my parcel got wet in transit?",
            "Where in the app do I report something that arrived broken?",
        ),
        key_facts=(
            "48 hours",
            "Help > Claims > Damaged parcel",
            "photos",
            "Keep the packaging",
        ),
        wrong_facts=(
            "14 days",
            "support@parcelpoint.com",
            "throw the packaging away",
        ),
        held_out=(
            "The thing I received was cracked. How quickly must I tell you, and what should I send?",
            "Something inside my delivery got wrecked. Where do I lodge a complaint?",
        ),
    ),
    Fact(
        key="compensation",
        category="claims",
        answer=(
            "Every parcel is covered up to $50. Add Parcel Protect for $1.49 when you create a parcel to "
            "raise cover to $500, and approved claims are paid to your original payment method within 5 "
            "business days."
        ),
        wrong=(
            "Every parcel is covered up to $100 at no cost, and there's no extra insurance option. Approved "
            "claims are paid as Parcelpoint credit within 30 days."
        ),
        questions=(
            "How much compensation do I get for a lost parcel?",
            "Is my parcel insured?",
            "What is Parcel Protect?",
            "How much does extra cover cost?",
            "What's the maximum payout for a claim?",
            "How do I get paid after a claim is approved?",
            "Can I insure a valuable item?",
            "how much do you pay out if something breaks?",
            "I'm sending a camera lens worth about $400. If it gets lost, would I get all of that back?",
            "Tell me the cover limits for parcels.",
            "Is there an add-on to increase protection?",
            "When will I receive the money from an approved claim?",
            "Where does the claim money go?",
            "Default coverage per parcel with Parcelpoint?",
            "Is $50 the most I can get back?",
            "What does it cost to add more insurance to a send?",
        ),
        key_facts=(
            "$50",
            "Parcel Protect",
            "$1.49",
            "$500",
            "original payment method",
            "5 business days",
        ),
        wrong_facts=(
            "$100",
            "no extra insurance",
            "Parcelpoint credit",
            "30 days",
        ),
        held_out=(
            "If my shipment goes missing, what's the most you'll reimburse?",
            "Can I pay a little extra so an expensive item has higher coverage?",
        ),
    ),
    Fact(
        key="empty_locker",
        category="claims",
        answer=(
            "If the door opens to an empty compartment, tap Report empty locker on the screen within 15 "
            "minutes. We check the locker's camera and sensor log and reply within 24 hours."
        ),
        wrong=(
            "If the compartment is empty, the parcel was probably delivered to a different locker. Wait 3 "
            "days for it to show up before contacting support."
        ),
        questions=(
            "The locker opened but my parcel wasn't there. What do I do?",
            "My compartment was empty, can you help?",
            "Someone took my parcel from the locker, what now?",
            "The door opened and there was nothing inside.",
            "How do I report an empty locker?",
            "How long do I have to report a missing parcel at the locker?",
            "Will you check the locker camera?",
            "locker empty when i opened it?",
            "I entered my code, the door popped open, and the compartment was completely bare. The app says "
            "collected. What happens now?",
            "Tell me what to do if my parcel isn't in the compartment.",
            "Is there a button on the locker screen for problems with an empty door?",
            "How quickly will Parcelpoint respond about an empty compartment?",
            "My parcel says collected but I never got it from the locker.",
            "Empty compartment, what next?",
            "Can you see who opened my locker?",
            "What's the time limit to flag that the locker was empty?",
        ),
        key_facts=(
            "Report empty locker",
            "15 minutes",
            "camera",
            "24 hours",
        ),
        wrong_facts=(
            "different locker",
            "3 days",
            "contacting support",
        ),
        held_out=(
            "I put in my code and found nothing behind the door. How do I sort this out?",
            "The cubby I was assigned had no package in it. What should I do?",
        ),
    ),
)

ERRORS: tuple[Fact, ...] = (
    Fact(
        key="error_pp102",
        category="errors",
        answer=(
            "PP-102 means the locker door didn't unlock. Tap Open again in the app within 60 seconds, and if "
            "it still fails, type your pickup code on the locker keypad instead."
        ),
        wrong=(
            "PP-102 means your pickup code has expired. Wait 10 minutes and request a new code from Parcels > New"
            " code, which is sent by SMS and works for another 72 hours."
        ),
        questions=(
            "What does PP-102 mean?",
            "I got error PP-102 at the locker.",
            "The locker door won't open and the app shows PP-102.",
            "How do I fix PP-102?",
            "PP-102 error when collecting my parcel, what do I do?",
            "Why does the app say PP-102?",
            "The app said it was opening the door but nothing happened. Code PP-102.",
            "pp-102??",
            "I'm standing in front of the locker with the app open and it keeps throwing PP-102 at me. How "
            "do I get my parcel out?",
            "Tell me what to do about a PP-102 message.",
            "Error 102 on the Parcelpoint app, help.",
            "My compartment stayed shut and I see PP-102.",
            "Is PP-102 a problem with my phone or the locker?",
            "What's the workaround when PP-102 pops up?",
            "Does PP-102 mean my code is wrong?",
            "PP-102 keeps appearing, can I still collect?",
        ),
        key_facts=(
            "PP-102",
            "door didn't unlock",
            "Open again",
            "60 seconds",
            "locker keypad",
        ),
        wrong_facts=(
            "has expired",
            "10 minutes",
            "Parcels > New code",
        ),
        held_out=(
            "I'm getting PP-102 and the compartment stays locked. Any ideas?",
            "What is error code PP-102 about?",
        ),
    ),
    Fact(
        key="error_pp204",
        category="errors",
        answer=(
            "PP-204 means the pickup code was entered wrong. Codes are 6 digits, and after 5 wrong tries the "
            "keypad locks for 15 minutes, so copy the code from the app or tap Open instead."
        ),
        wrong=(
            "PP-204 means your parcel has been returned to the sender because it sat in the locker for over 72 "
            "hours. Contact the sender to arrange a new delivery, as the code can't be reissued."
        ),
        questions=(
            "What does PP-204 mean?",
            "The locker says PP-204 when I type my code.",
            "How do I fix error PP-204?",
            "Why am I getting PP-204?",
            "PP-204 after entering my pickup code, help.",
            "The keypad is locked after PP-204, what now?",
            "Is PP-204 about a wrong code?",
            "pp-204 on the screen?",
            "I typed my code three times on the locker screen and it keeps saying PP-204. Am I doing "
            "something wrong?",
            "Tell me what the PP-204 error is.",
            "How long is the keypad locked after too many PP-204s?",
            "PP-204 code meaning?",
            "What causes PP-204 at a Parcelpoint locker?",
            "The locker rejected my code with PP-204.",
            "How many attempts do I get before PP-204 locks me out?",
            "Can I avoid PP-204 by using the app?",
        ),
        key_facts=(
            "PP-204",
            "entered wrong",
            "6 digits",
            "5 wrong tries",
            "15 minutes",
        ),
        wrong_facts=(
            "returned to the sender",
            "Contact the sender",
        ),
        held_out=(
            "The screen showed PP-204. What went wrong?",
            "What should I do about a PP-204 message on the keypad?",
        ),
    ),
    Fact(
        key="error_pp310",
        category="errors",
        answer=(
            "PP-310 means your payment was declined, so no label was created and you weren't charged. Check "
            "your card or add another one under Account > Payment methods, then try again."
        ),
        wrong=(
            "PP-310 means our payment system is down. Your card was charged anyway, and the money is refunded "
            "within 7 days, so wait an hour before trying again with the same card."
        ),
        questions=(
            "What does PP-310 mean?",
            "I got PP-310 when paying for a parcel.",
            "Why does checkout show PP-310?",
            "How do I fix PP-310?",
            "Was I charged after a PP-310 error?",
            "PP-310 in the app, what now?",
            "My card didn't go through and I see PP-310.",
            "pp-310 payment error?",
            "I was trying to buy a Medium send and the app threw PP-310 at the last step. Did it go through "
            "or not?",
            "Tell me what the PP-310 code is about.",
            "Where do I change my card after a PP-310?",
            "Is PP-310 a problem with my bank?",
            "Does PP-310 mean my label was created?",
            "PP-310 meaning?",
            "Keep getting PP-310 when I try to send, help.",
            "What should I check when the Parcelpoint app says PP-310?",
        ),
        key_facts=(
            "PP-310",
            "payment was declined",
            "weren't charged",
            "Account > Payment methods",
        ),
        wrong_facts=(
            "payment system is down",
            "charged anyway",
            "7 days",
        ),
        held_out=(
            "Checking out failed with PP-310. Did you take any money?",
            "How do I get past a PP-310 when buying postage?",
        ),
    ),
    Fact(
        key="error_pp418",
        category="errors",
        answer=(
            "PP-418 means your parcel doesn't fit the size you paid for. Tap Upgrade size on the locker "
            "screen to pay the difference, and a bigger compartment opens straight away."
        ),
        wrong=(
            "PP-418 means the locker is full. Take your parcel to another locker within 24 hours or your "
            "drop-off code expires."
        ),
        questions=(
            "What does PP-418 mean?",
            "The locker shows PP-418 when I drop off.",
            "How do I fix PP-418?",
            "My box won't fit in the compartment and I got PP-418.",
            "PP-418 error, what now?",
            "Why did I get PP-418 at drop-off?",
            "Can I change the size after seeing PP-418?",
            "pp-418 at the locker?",
            "I bought a Small label but the box is a bit thicker than I thought, and now the screen says "
            "PP-418. Do I have to start over?",
            "Tell me what PP-418 is about.",
            "How much does it cost to fix a PP-418?",
            "Is PP-418 about the parcel being too big?",
            "PP-418 meaning?",
            "The Parcelpoint locker gave me PP-418 and the door closed.",
            "What do I tap when PP-418 comes up?",
            "PP-418 keeps showing, help me send my parcel.",
        ),
        key_facts=(
            "PP-418",
            "doesn't fit",
            "Upgrade size",
            "pay the difference",
            "bigger compartment",
        ),
        wrong_facts=(
            "locker is full",
            "another locker",
            "24 hours",
        ),
        held_out=(
            "What is PP-418 telling me while I'm trying to hand in a package?",
            "I received PP-418 on the drop-off screen. How do I continue?",
        ),
    ),
    Fact(
        key="error_pp503",
        category="errors",
        answer=(
            "PP-503 means the locker is offline, usually for under 30 minutes. Drop-off codes work at any "
            "other Parcelpoint locker, but a parcel waiting for pickup stays in this one, and we add 24 hours "
            "to your pickup time."
        ),
        wrong=(
            "PP-503 means your account is suspended after 3 failed payments. Contact support to reactivate it "
            "from Account > Status, which takes up to 2 business days, before you can send or collect parcels."
        ),
        questions=(
            "What does PP-503 mean?",
            "The locker screen says PP-503.",
            "How long does PP-503 last?",
            "PP-503 at drop-off, can I use another locker?",
            "Why is the locker showing PP-503?",
            "I can't collect because of PP-503, will my parcel expire?",
            "Is PP-503 my fault?",
            "pp-503 locker down?",
            "I walked twenty minutes to the locker and it's displaying PP-503 on a blank screen. Should I "
            "wait or go elsewhere?",
            "Tell me what to do about PP-503.",
            "Does PP-503 mean the locker is broken?",
            "Can I drop my parcel somewhere else when I see PP-503?",
            "PP-503 meaning?",
            "Will I lose pickup time because of PP-503?",
            "The Parcelpoint app says PP-503 for my locker.",
            "How do I get around a PP-503?",
        ),
        key_facts=(
            "PP-503",
            "offline",
            "30 minutes",
            "any other Parcelpoint locker",
            "add 24 hours",
        ),
        wrong_facts=(
            "account is suspended",
            "reactivate",
        ),
        held_out=(
            "I'm seeing PP-503 at the machine. What's going on?",
            "What does code PP-503 indicate for my collection deadline?",
        ),
    ),
)

ACCOUNT: tuple[Fact, ...] = (
    Fact(
        key="payment_methods",
        category="account",
        answer=(
            "We accept Visa, Mastercard, PayPal, Apple Pay and Google Pay in the app. Lockers don't take cash "
            "or cards, so every send is paid in the app before drop-off."
        ),
        wrong=(
            "We accept Visa and Mastercard only, with no PayPal or phone wallets. You can also pay by cash or "
            "card at the locker screen when you drop off, and a $0.50 card fee applies."
        ),
        questions=(
            "What payment methods do you accept?",
            "Can I pay with PayPal?",
            "Do you take Apple Pay?",
            "Can I pay at the locker?",
            "Which cards work in the Parcelpoint app?",
            "Can I pay cash for a parcel?",
            "Is Google Pay supported?",
            "how do i pay for sending?",
            "My credit card expired and I want to use my phone wallet for the next parcel I send. Is that "
            "possible?",
            "Tell me which ways I can pay.",
            "Do I pay before or after dropping off?",
            "Does the locker have a card reader?",
            "Is American Express accepted?",
            "Accepted payment options?",
            "Can I use a debit Mastercard?",
            "Is there a way to pay without a card?",
        ),
        key_facts=(
            "Visa",
            "Mastercard",
            "PayPal",
            "Apple Pay",
            "Google Pay",
            "don't take cash or cards",
            "before drop-off",
        ),
        wrong_facts=(
            "Visa and Mastercard only",
            "cash or card at the locker",
            "when you drop off",
        ),
        held_out=(
            "What options do I have for paying for postage?",
            "Can I settle the fee by tapping my card on the machine when I hand over a box?",
        ),
    ),
    Fact(
        key="plus_membership",
        category="account",
        answer=(
            "Parcelpoint Plus costs $4.99 per month or $49 per year. It gives 15% off every parcel you send "
            "and adds Parcel Protect to each one for free, and you can cancel anytime under Account > "
            "Membership."
        ),
        wrong=(
            "Parcelpoint Plus costs $9.99 per month and gives free home delivery on every parcel. It needs a "
            "12-month commitment, so you can't cancel early."
        ),
        questions=(
            "What is Parcelpoint Plus?",
            "How much is the membership?",
            "Is there a subscription for frequent senders?",
            "What do I get with Plus?",
            "How do I cancel Plus?",
            "Is Plus cheaper if I pay yearly?",
            "Does Plus include insurance?",
            "is plus worth it?",
            "I send about ten parcels a month for my craft business. Would the membership save me money, and "
            "what does it cost?",
            "Tell me the benefits of the paid membership.",
            "Where do I manage my Plus membership?",
            "Can I stop Plus whenever I want?",
            "What discount do members get on sending?",
            "Plus price per year?",
            "Does membership include Parcel Protect?",
            "Is there a monthly plan that makes sending cheaper?",
        ),
        key_facts=(
            "Parcelpoint Plus",
            "$4.99 per month",
            "$49 per year",
            "15% off",
            "Parcel Protect",
            "Account > Membership",
        ),
        wrong_facts=(
            "$9.99 per month",
            "free home delivery",
            "12-month commitment",
            "can't cancel early",
        ),
        held_out=(
            "Do you have a paid tier that gives regular shippers a discount, and what's the price?",
            "What perks come with the premium subscription?",
        ),
    ),
    Fact(
        key="receipts",
        category="account",
        answer=(
            "Receipts for every payment are under Account > Receipts, where you can download each one as a "
            "PDF. Business accounts also get one monthly invoice on the 1st."
        ),
        wrong=(
            "Receipts are only sent by SMS after each payment and can't be downloaded later. Business invoices "
            "are available on request within 10 working days for a $3 admin fee."
        ),
        questions=(
            "Where can I find my receipts?",
            "How do I download a receipt for a parcel I sent?",
            "Can I get an invoice for my business?",
            "Do you send a monthly invoice?",
            "I need a PDF receipt for my expenses.",
            "Where's my payment history?",
            "How do I get receipts for all my sends this month?",
            "receipt for last weeks parcel?",
            "My boss needs proof of what I spent on shipping for our team. Where can I get the paperwork?",
            "Tell me where receipts live in the app.",
            "Do business accounts get a combined invoice?",
            "When is the monthly invoice issued?",
            "Can I save my receipts as PDFs?",
            "Parcelpoint receipts location?",
            "Is there a billing history page?",
            "How do I get proof of payment for postage?",
        ),
        key_facts=(
            "Account > Receipts",
            "PDF",
            "Business accounts",
            "monthly invoice",
            "1st",
        ),
        wrong_facts=(
            "only sent by SMS",
            "can't be downloaded",
            "on request",
            "10 working days",
        ),
        held_out=(
            "My accountant wants records of what I paid to ship boxes. Where do I get them?",
            "Does a company account receive a single bill each month?",
        ),
    ),
)

FACTS: tuple[Fact, ...] = SENDING + RECEIVING + TRACKING + RETURNS + CLAIMS + ERRORS + ACCOUNT

"""What the demo minutes of the 2022 Caring Systems Town Hall say: the seed minutes' facts
(003_6145f759fa5f3dc1: its headings, who said what and in which order, the chat remarks and
their links, the next steps; 001_80a8cacca9bd2a81 for the two speakers 003 leaves out and for
the next steps' detail), in our own, shorter words. Read by demo/minutes.py."""

# One entry per block of the draft (its agenda segment), in order: each speaker's turn as
# (speaker, points, quote). A turn beyond the draft's (a speaker the agenda does not list for
# that segment) is added after them.
Turn = tuple[str, list[str], str]
PROCEEDINGS: list[list[Turn]] = [
    [
        (
            "Emilia Saiz",
            [
                "The Town Hall process is how civil society is heard by local leaders and in "
                "UCLG's policies: hold us accountable.",
                "COVID-19 made inequality a central part of the problem to address.",
                "Cities must give content to the work ahead of them in the coming years.",
                "What leadership does this need: a new ecology, new systems of governance?",
            ],
            "",
        )
    ],
    [
        (
            "Fátima Fernández",
            [
                "The process grew out of the events before the Durban World Congress and is "
                "part of the Cities Are Listening space.",
                "New this time: three cross-cutting caucuses (youth, feminism, accessibility), "
                "with representatives in every Town Hall.",
                "It delivers a policy document that goes through the Policy Councils and "
                "committees to the UCLG World Council.",
                "Timeline: a hybrid retreat in February, the drafting, then the World Congress "
                "in Daejeon, Korea, on 10–14 October.",
            ],
            "",
        )
    ],
    [
        (
            "Greg Munro",
            [
                "Margaret Mead's story: the first sign of civilisation was a healed thighbone — "
                "someone had cared for the injured. Caring is what set humans apart.",
                "Vulnerable women and girls are often the most exposed.",
                "Lack of access to care facilities is a key difficulty.",
                "COVID-19 is a pivotal moment: inequities worsened and the formal and informal "
                "economies proved interdependent; a chance to renew the social contract and "
                "invest in social capital and basic services.",
                "How to build a system of caring services? Cities need concrete recommendations.",
            ],
            "",
        )
    ],
    [
        (
            "Jorge Pérez Jaramillo",
            [
                "Inequalities have been with us for many years.",
                "Cities should be seen as ecosystems, as spaces of care and inclusion.",
                "Public goods must be prioritised coherently; debates are often stretched out "
                "so that nothing gets decided.",
                "An ecosystem for human life calls for new ways of building and relating to "
                "communities, and agreements based on solidarity.",
                "What, when, how and who must become a collective agreement.",
                "New political leaders are needed to actually resolve these issues.",
                "Academia should work more in the territories: experimental work moves faster.",
                "A time to create together, with the intensive participation of communities.",
                "Global solidarity, a review of the social contract, a renewed multilateralism.",
            ],
            "",
        ),
        (
            "Emilia Saiz",
            [
                "Care systems exist in our societies, but we ignore them and do not pay for most "
                "of them; those who provide care services are the least paid.",
                "Development has been tied to economic growth: we must move beyond that and see "
                "its links with care.",
            ],
            "",
        ),
    ],
    [
        (
            "Rosa Pavanelli",
            [
                "Care rests too much on women's shoulders: it must be de-feminised (the sexual "
                "division of labour); it is not women's duty alone.",
                "Care schools should be opened to men too.",
                "Care is an economic factor: professionalise it rather than pay women to leave "
                "their jobs, and count what it brings to GDP.",
                "Care covers all that can be delivered: childcare, disability, transport, "
                "leisure, nursing, social and home care, rehabilitation, addiction support, "
                "shelters for victims of domestic violence, prisoners, the unemployed.",
                "Are those who care for the environment — waste collectors, recyclers — part "
                "of caring systems too?",
                "Room for alliances, but delivering social care as a public service is "
                "ultimately governments' responsibility; local governments are the face "
                "citizens see.",
                "Care is a human right and a shared responsibility.",
            ],
            "",
        ),
        (
            "Gerald Leitner",
            [
                "Libraries are multi-function institutions that put people, not markets, at "
                "the centre, migrants and minorities included.",
                "They help everyone to a healthy life and to know their rights.",
                "The digital world risks individualising experience: sharing spaces has its "
                "benefits.",
                "Start from the individual: people's actual needs, and a perspective on tomorrow.",
                "Deliver policies through infrastructure that exists but is underused, such as "
                "libraries.",
                "People who work in care need professionalisation and skills.",
            ],
            "",
        ),
        (
            "Colin Rajah",
            [
                "Many care workers are foreign-born (a third of doctors in the US, more among "
                "nurses): women, people of colour, from the Global South, as cheap labour.",
                "The pandemic exposed and worsened their precariousness and their exposure to "
                "hazards.",
                "Some cities suspended visa expiry for caregivers, but that was the exception.",
                "A new solidarity agenda: local governments have long responded to migrants, "
                "with access to health systems and documents, where national ones did not.",
                "No new social contract without a new solidarity between migrants and city "
                "authorities.",
            ],
            "",
        ),
        (
            "Gabriela Cuevas Barron",
            [
                "Governance needs political leadership and involves politicians and citizens.",
                "Political will, with people at the centre of interventions.",
                "Care as a social protection network; health as a fundamental human right.",
                "Start by rebuilding our communities, with solidarity as the basic element.",
                "Sufficient financial resources must be allocated.",
                "Good health care for communities, especially for women and girls, whose "
                "health is often disregarded.",
                "Protective equipment is designed for men, not women: care providers have "
                "different needs.",
                "Institutionalise participatory mechanisms, so that governments are held to "
                "account on the new social contract.",
                "It is a political choice: local governments need to rebuild public trust.",
            ],
            "Vulnerability is a circumstance that we need to overcome.",
        ),
        (
            "Sri Sofjan",
            [
                "Law and policy: are they really caring? Political will for change.",
                "Service delivery.",
                "Changing norms to de-gender care, through education and socialisation.",
                "Financing: how much government money goes into caring systems, and how is it "
                "allocated?",
                "Data and accountability.",
                "Care for the caregivers: gender-based violence against care workers.",
                "Is our built environment inclusive and caring, working for everyone?",
                "Caring systems should empower people; gender-responsive budgeting.",
            ],
            "",
        ),
        (
            "Victor Pineda",
            [
                "For the accessibility agenda, caring systems are the foundation.",
                "Caring systems need to be decommodified.",
                "A new social contract whose structures promote cohesive systems, supported by "
                "solidarity, with essential care services for all.",
                "A human-rights based approach lets local governments extend their services.",
                "Accessibility advances caring systems: it is about agency.",
                "Adequate data collection.",
                "More resilient, engaged caring systems that look at accessibility (in India, "
                "caregivers could not reach people with disabilities).",
                "More participatory, customised, culturally sensitive caring systems.",
            ],
            "",
        ),
        (
            "Elana Wong",
            [
                "Inclusive policy design.",
                "Mental health support, legal protection and housing are out of reach for "
                "children, low-income youth, migrants and other vulnerable groups.",
                "Lack of access to care goes with exploitation: seeking basic care must not be "
                "criminalised (students lost their visas for studying online in the pandemic).",
                "Participatory governance: decision-making, not only consultation.",
            ],
            "",
        ),
        (
            "Camila Cociña",
            [
                "The GOLD VI report, due in October, brings together civil society, the UCLG "
                "community and research.",
                "Its pathways to urban equality, actions local governments can take, include a "
                "pathway on caring: https://gold.uclg.org/reports/gold-vi",
            ],
            "",
        ),
        (
            "Olga Segovia",
            [
                "Social and gender co-responsibility.",
                "A social contract on care that breaks with the sexual division of labour and "
                "recognises the rights of those who give and receive care.",
                "Recognise the non-monetised economy.",
                "Identify priorities in the territory; managing time is essential to the "
                "division of labour.",
                "Reduce the load of unpaid work, on principles of solidarity.",
                "Democratise and decommodify care: today only those who can pay have access.",
                "Care and territory must be thought of together.",
            ],
            "",
        ),
    ],
    [
        (
            "Gissela Chalá",
            [
                "Our responsibility is to care for ourselves and for the planet.",
                "Build cities where we can live well.",
                "A social contract bound to repair historical debts.",
                "Indifference is a form of violence.",
                "New masculinities and a care approach.",
                "Care grounded in rights, not in patriarchal structures.",
            ],
            "Let us be not objects, but subjects.",
        ),
        (
            "Emilia Saiz",
            [
                "We are proposing a shift of priorities: how do we bring it to the political "
                "world?",
                "At the retreat, a joint session of the Town Halls will look for what they have "
                "in common.",
            ],
            "",
        ),
    ],
]

# Chat remarks the seed records that were not typed on the platform: the secretariat adds
# them to the round of introductions as excerpts (no original to link to), each after the
# remark it followed (`after`: the index of that remark in demo/contributions.CHAT).
EXTRA_CHAT: list[tuple[str, str, int]] = [
    (
        "",
        "More on our proposals for protecting migrants during the pandemic, and on health "
        "care systems: https://csactioncommittee.org/wp-content/uploads/2020/04/"
        "Civil-Society-Statement-on-COVID-19-and-Migrants-final.pdf",
        2,
    ),
    (
        "Daria Cibrario (PSI)",
        "PSI is contributing to the GOLD VI process: see the PSI-PSIRU working paper "
        "“Enabling access to quality local public services for all”: https://bit.ly/3gfu4VT",
        4,
    ),
]

# The key points under the seed's headings, each with what it summarises: speakers' turns
# (by name) and chat remarks ("chat:N", N the remark's index in demo/contributions.CHAT).
KEY_POINTS: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "The concept of care",
        [
            (
                "A holistic view of what care is and of all the services it involves",
                ["Rosa Pavanelli"],
            ),
            (
                "Care as a human right and a shared responsibility, governments bearing the "
                "main one for provision",
                ["Rosa Pavanelli", "Gabriela Cuevas Barron"],
            ),
            (
                "Caring systems empower people: they are about agency",
                ["Sri Sofjan", "Victor Pineda"],
            ),
            ("Safety is a key part of a caring system", ["chat:3"]),
            (
                "Care starts with the individual: people's actual needs, and a perspective on "
                "tomorrow",
                ["Gerald Leitner"],
            ),
            ("Caring for people and the planet alike", ["Gissela Chalá"]),
        ],
    ),
    (
        "The urban space",
        [
            ("Cities as ecosystems, spaces of care and inclusion", ["Jorge Pérez Jaramillo"]),
            (
                "The community as the main level of intervention",
                ["Gabriela Cuevas Barron", "Jorge Pérez Jaramillo"],
            ),
            (
                "A built environment (re)designed to be inclusive and caring, working for everyone",
                ["Sri Sofjan"],
            ),
        ],
    ),
    (
        "Gender and social inequalities",
        [
            (
                "Care rests too much on women: de-feminise it through education, socialisation "
                "and skills",
                ["Rosa Pavanelli", "Sri Sofjan"],
            ),
            (
                "Care for the carers: shield care workers from gender-based violence, "
                "deportation and abuse",
                ["Sri Sofjan", "Colin Rajah"],
            ),
            (
                "Recognise the unpaid work of women and address the inequalities it creates",
                ["Olga Segovia"],
            ),
            ("Gender-responsive budgeting", ["Sri Sofjan"]),
            (
                "Managing time to rethink the division of labour and lighten unpaid work",
                ["Olga Segovia"],
            ),
            ("Better working conditions for caregivers", ["Colin Rajah", "Gerald Leitner"]),
        ],
    ),
    (
        "Rebuilding the social contract",
        [
            ("Built on a new solidarity agenda", ["Colin Rajah"]),
            (
                "Structures that promote cohesive systems and repair historical debts",
                ["Victor Pineda", "Gissela Chalá"],
            ),
            ("Access to essential care services for all", ["Victor Pineda"]),
            (
                "Public trust must be rebuilt, which takes political commitment",
                ["Gabriela Cuevas Barron"],
            ),
            (
                "A contract that breaks with the sexual division of labour and recognises the "
                "rights of those who give and receive care",
                ["Olga Segovia"],
            ),
        ],
    ),
    (
        "Participatory governance & collaboration",
        [
            ("New ways of building and relating to communities", ["Jorge Pérez Jaramillo"]),
            (
                "Institutionalised participation, with governments held to account on the new "
                "social contract",
                ["Gabriela Cuevas Barron"],
            ),
            ("A part in decisions, not only consultation", ["Elana Wong"]),
            ("Inclusive policy design", ["Elana Wong"]),
            ("A renewed multilateralism", ["Jorge Pérez Jaramillo"]),
        ],
    ),
    (
        "Service provision",
        [
            (
                "Basic services and facilities are unaffordable or unavailable to many",
                ["Greg Munro", "Elana Wong"],
            ),
            (
                "Build on resources that exist but are underused, such as libraries",
                ["Gerald Leitner"],
            ),
            (
                "Participatory, customised, culturally sensitive caring systems",
                ["Victor Pineda"],
            ),
        ],
    ),
    (
        "Economy",
        [
            ("The formal and informal economies depend on each other", ["Greg Munro"]),
            (
                "Enough money for care services and providers: their pay does not match the "
                "hazards they face",
                ["Gabriela Cuevas Barron", "Colin Rajah"],
            ),
            (
                "Count non-monetised care and what it brings to the GDP of communities and "
                "countries",
                ["Rosa Pavanelli", "Olga Segovia"],
            ),
            (
                "Decommodify caring systems while ensuring universal access",
                ["Victor Pineda", "Olga Segovia"],
            ),
        ],
    ),
    (
        "Technology for transparency and accessibility",
        [
            (
                "Digitalisation that widens access to services without losing the benefits of "
                "shared spaces",
                ["Gerald Leitner"],
            ),
            (
                "Adequate data for accountability and for planning based on needs",
                ["Victor Pineda", "Sri Sofjan"],
            ),
            (
                "Access to technology and information removes barriers in caring systems",
                ["chat:3", "chat:4"],
            ),
        ],
    ),
]

# Next steps: (text, owner where the seed says who).
NEXT_STEPS: list[tuple[str, str]] = [
    ("Another meeting of the Town Hall can be held if needed.", ""),
    ("Ideas can be sent by e-mail to the Town Hall address: townhall@uclg.org", "All participants"),
    (
        "Cities Alliance asks its civil society members for their input, and encourages the "
        "other partners to do the same.",
        "Cities Alliance",
    ),
]

# Attendees the agenda does not list: (name, organisation acronym).
MORE_ATTENDEES: list[tuple[str, str]] = [("Daria Cibrario", "PSI")]

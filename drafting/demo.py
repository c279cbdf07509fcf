"""The demo working group: a realistic roster and a draft to negotiate (pure data).

Modelled on a CSTD-style working group on enhanced cooperation: 22 Member States, five
delegations from each stakeholder group, two observers, a Chair and a secretariat.
"""

from __future__ import annotations

from drafting import commands as cmd
from drafting.delegation import Delegation
from drafting.vocabulary import Constituency, Role

_MS = Constituency.MEMBER_STATE
_CS = Constituency.CIVIL_SOCIETY
_BIZ = Constituency.BUSINESS
_TA = Constituency.TECHNICAL_ACADEMIC
_IGO = Constituency.INTERGOVERNMENTAL

_PEOPLE: tuple[tuple[str, str, Constituency, Role], ...] = (
    ("CHAIR", "Chair of the Working Group", _IGO, Role.CHAIR),
    ("SECRETARIAT", "CSTD Secretariat", _IGO, Role.SECRETARIAT),
    *(
        (code, name, _MS, Role.MEMBER)
        for code, name in (
            ("ARG", "Argentina"),
            ("BRA", "Brazil"),
            ("CAN", "Canada"),
            ("CHN", "China"),
            ("EGY", "Egypt"),
            ("EU", "European Union"),
            ("FIN", "Finland"),
            ("FRA", "France"),
            ("IND", "India"),
            ("IRN", "Iran (Islamic Republic of)"),
            ("JPN", "Japan"),
            ("KEN", "Kenya"),
            ("MEX", "Mexico"),
            ("NGA", "Nigeria"),
            ("PAK", "Pakistan"),
            ("RUS", "Russian Federation"),
            ("SAU", "Saudi Arabia"),
            ("SWE", "Sweden"),
            ("CHE", "Switzerland"),
            ("TUN", "Tunisia"),
            ("GBR", "United Kingdom"),
            ("USA", "United States of America"),
        )
    ),
    *(
        (code, name, _CS, Role.MEMBER)
        for code, name in (
            ("APC", "Association for Progressive Communications"),
            ("ITFC", "IT for Change"),
            ("ACCESS", "Access Now"),
            ("CDT", "Center for Democracy and Technology"),
            ("DIPLO", "DiploFoundation"),
        )
    ),
    *(
        (code, name, _BIZ, Role.MEMBER)
        for code, name in (
            ("ICC", "International Chamber of Commerce"),
            ("GSMA", "GSM Association"),
            ("CCIA", "Computer and Communications Industry Association"),
            ("JBIC", "Japan Business Federation"),
            ("AFICTA", "Africa ICT Alliance"),
        )
    ),
    *(
        (code, name, _TA, Role.MEMBER)
        for code, name in (
            ("ISOC", "Internet Society"),
            ("ICANN", "ICANN"),
            ("IETF", "IETF"),
            ("LACNIC", "LACNIC"),
            ("APNIC", "APNIC"),
        )
    ),
    *(
        (code, name, _IGO, Role.MEMBER)
        for code, name in (
            ("ITU", "International Telecommunication Union"),
            ("UNESCO", "UNESCO"),
            ("OECD", "OECD"),
            ("COE", "Council of Europe"),
            ("UNCTAD", "UNCTAD"),
        )
    ),
    ("WIKI", "Wikimedia Foundation (observer)", _CS, Role.OBSERVER),
    ("IFLA", "Int. Federation of Library Associations (observer)", _CS, Role.OBSERVER),
)

ROSTER: tuple[Delegation, ...] = tuple(Delegation(*person) for person in _PEOPLE)

DRAFT_ID = "wgec-2026-crp1"
TITLE = "Draft recommendations on enhanced cooperation on international Internet public policy"
SYMBOL = "WGEC/2026/CRP.1"

PARAGRAPHS: tuple[tuple[str, str], ...] = (
    (
        "preambular",
        "Recalling the outcome documents of the World Summit on the Information "
        "Society, in particular paragraphs 69 to 71 of the Tunis Agenda,",
    ),
    (
        "preambular",
        "Recognizing that the Internet has become a global facility available to "
        "the public and that its governance should constitute a core issue of the information "
        "society agenda,",
    ),
    (
        "preambular",
        "Noting the work of the first Working Group on Enhanced Cooperation and the "
        "mapping of existing mechanisms it compiled,",
    ),
    (
        "preambular",
        "Acknowledging the respective roles and responsibilities of governments, the "
        "private sector, civil society, the technical and academic community and international "
        "organizations,",
    ),
    (
        "preambular",
        "Mindful of the persistent digital divides between and within countries, "
        "including the gender digital divide,",
    ),
    (
        "preambular",
        "Welcoming the contributions received from Member States and stakeholders "
        "in response to the questionnaire circulated by the Chair,",
    ),
    (
        "operative",
        "Recommends that enhanced cooperation be pursued through existing "
        "institutions wherever possible, avoiding duplication of effort;",
    ),
    (
        "operative",
        "Invites governments to engage, on an equal footing, in international "
        "public policy issues pertaining to the Internet;",
    ),
    (
        "operative",
        "Encourages all stakeholders to participate meaningfully in Internet "
        "governance processes, in accordance with their respective roles;",
    ),
    (
        "operative",
        "Calls for capacity-building initiatives that enable developing countries to "
        "participate effectively in international Internet public policy processes;",
    ),
    (
        "operative",
        "Recommends that relevant organizations publish information on how "
        "stakeholders can contribute to their public policy work;",
    ),
    (
        "operative",
        "Encourages the strengthening of the Internet Governance Forum, including "
        "through sustainable and predictable funding;",
    ),
    (
        "operative",
        "Recognizes the importance of a stable, secure and interoperable Internet "
        "built on open standards developed through bottom-up processes;",
    ),
    (
        "operative",
        "Calls upon Member States to promote multilingualism on the Internet, "
        "including internationalized domain names and local content;",
    ),
    (
        "operative",
        "Invites the Commission on Science and Technology for Development to keep "
        "the implementation of enhanced cooperation under review;",
    ),
    (
        "operative",
        "Requests the secretariat to maintain an online repository of the "
        "contributions and mappings related to enhanced cooperation;",
    ),
    (
        "operative",
        "Recommends that cross-border data flows be addressed in a manner that "
        "respects human rights, privacy and the rule of law;",
    ),
    (
        "operative",
        "Encourages regional and national initiatives that bring governments and "
        "stakeholders together on Internet public policy;",
    ),
    (
        "operative",
        "Underlines the need for transparency and accountability in the "
        "development of international Internet public policy;",
    ),
    (
        "operative",
        "Decides to report on the progress made to the Economic and Social Council "
        "at its next substantive session.",
    ),
)


def seed_commands() -> tuple[cmd.Command, ...]:
    """The commands that build the demo draft (issued by the secretariat)."""
    return (
        cmd.CreateDraft(DRAFT_ID, TITLE, SYMBOL),
        *(
            cmd.AddParagraph(f"par-{i:02d}", kind, text)
            for i, (kind, text) in enumerate(PARAGRAPHS, start=1)
        ),
    )

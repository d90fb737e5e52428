"""Console wording of the rosters pages: message id -> (zh-CN, English)."""

WORDS: dict[str, tuple[str, str]] = {
    "nav.rosters": ("值班表", "Rosters"), "nav.leaves": ("请假报备", "Leave"), "nav.swaps": ("换班", "Swaps"),
    "nav.handovers": ("交接班", "Handover"), "nav.holidays": ("节假日", "Holidays"),
    "roster.generate": ("生成", "Generate"), "roster.publish": ("发布", "Publish"), "roster.print": ("打印", "Print"),
    "roster.fairness": ("值班次数统计", "Duty counts"), "roster.gaps": ("缺岗", "Gaps"),
    "roster.why": ("排班说明", "Why this person"), "roster.status.draft": ("草稿", "Draft"),
    "roster.status.published": ("已发布", "Published"), "roster.status.none": ("未生成", "Not generated"),
    "roster.ical": ("订阅日历", "Calendar feed"), "roster.substitutes": ("建议替班", "Suggested substitutes"),
    "roster.day_class.workday": ("工作日", "Workdays"), "roster.day_class.weekend": ("周末", "Weekends"),
    "roster.day_class.holiday": ("节假日", "Holidays"), "roster.version": ("版本", "Version"),
    "nav.leave_pairs": ("不得同时外出", "Leave pairs"),
    "pairs.title": ("不得同时外出的领导", "People who must not be away together"),
    "pairs.a": ("领导甲", "Person A"), "pairs.b": ("领导乙", "Person B"),
    "pairs.add": ("添加", "Add"), "pairs.remove": ("删除", "Remove"),
    "pairs.none": ("尚未设置", "None yet"),
    "pairs.hint": ("其中一人已请假时，另一人请假须填写“同时离岗理由”。",
                   "While one is on leave, the other's leave needs a reason for being away together."),
}

//! Word lists for the detection rules. General knowledge of Chinese news text (surnames,
//! titles, organisation and place suffixes, country names, words jieba mistags), never
//! strings taken from an evaluation set.

use rustc_hash::FxHashSet as HashSet;
use std::sync::LazyLock;

fn set(words: &'static str) -> HashSet<&'static str> {
    words.split_whitespace().collect()
}

fn chars(s: &'static str) -> HashSet<char> {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Last characters of the organisation suffixes: a cheap first test.
pub static ORG_SUFFIX_LAST: LazyLock<HashSet<char>> = LazyLock::new(|| {
    ORG_SUFFIXES
        .iter()
        .filter_map(|s| s.chars().next_back())
        .collect()
});

/// Common single-character surnames (the ~300 most frequent).
pub static SURNAMES: LazyLock<HashSet<char>> = LazyLock::new(|| {
    chars(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝樊楚阴",
    )
});

pub static COMPOUND_SURNAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("欧阳 司马 上官 诸葛 东方 皇甫 令狐 慕容 尉迟 长孙 宇文 司徒 夏侯 公孙 端木 南宫 呼延 轩辕 独孤")
});

/// Characters frequent in Chinese transliterations of foreign names.
pub static TRANSLIT: LazyLock<HashSet<char>> = LazyLock::new(|| {
    chars(
        "阿埃艾爱安奥巴邦贝本比彼宾波伯博布查达戴丹德登迪蒂丁杜多厄恩法菲费芬弗福盖甘冈戈格贡古哈海汉赫黑亨胡华霍基吉加贾杰金喀卡凯坎康考柯科可克肯库奎拉莱赖兰朗劳勒雷里利连林琳隆卢鲁路伦罗洛马迈麦曼芒梅门蒙米密缅明莫墨姆穆纳南内尼涅努诺欧帕潘佩彭皮普奇齐恰乔切钦琼丘萨塞桑瑟森沙莎尚舍施什斯松苏索塔泰坦汤唐特滕提通图托瓦万旺威维温沃乌伍西希锡谢辛休雅亚扬耶伊因英尤约扎泽詹朱兹佐捷茨夫娃娜丽尔延奈赛瑞蕾琪茜露",
    )
});

/// Titles and roles that precede a person's name (记者高轶鹏, 书记凌兵奎).
pub static TITLES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("记者 通讯员 书记 副书记 主任 副主任 区长 副区长 县长 副县长 市长 副市长 省长 副省长 镇长 乡长 村长 总指挥 指挥长 局长 副局长 处长 科长 部长 副部长 厅长 主席 副主席 总理 副总理 总统 副总统 首相 外长 大使 院长 副院长 校长 经理 总经理 董事长 教授 博士 医生 护士 委员 总书记 队长 站长 所长 社长 主编 编辑 校对 组版 作者 老师 支书 组长 干事 民警 警官 法官 律师 党员 队员 摄影 网格员 志愿者 居民 村民 职工 司机 工人")
});

/// Honorifics after a surname: 周先生 -> 周.
pub const HONORIFICS: &[&str] = &[
    "先生", "女士", "小姐", "老", "总", "某", "氏", "师傅", "同志",
];

/// Weather words jieba tags as names.
pub static WEATHER: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("多云 小雨 中雨 大雨 暴雨 雷阵雨 阵雨 小雪 中雪 大雪 暴雪 阵雪 雨夹雪 多云转晴 晴转多云 阴转多云 多云转阴 雷雨大风 大风 冻雨 浮尘 扬沙 沙尘暴 大雾 阴转 晴间多云 小到中雨 中到大雨")
});

/// Common words that jieba's dictionary tags as person names.
pub static NOT_NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("张贴 施策 包户 卫健 严重性 严峻性 严肃性 文明 明白 高潮 卫星 青少年 令人 师生 顾客 荣幸 滑雪 拓宽 弘扬 诸如 许可证 许可 祝贺 祝福 王朝 智慧 小城镇 安全性 友谊 高素质 高增值 采取措施 腾飞 育人 美钞 白痴 白云 田野 玉米 洪水 桂冠 杜绝 科普 路基 高峰 宣传教育 公开赛 今天上午 今天下午 陶醉 盛世 冷清 高雅 时髦 丛林 向海 牛群 王子 任期 朗朗 阿姨 华裔 黄金 金融 金牌 石油 钢铁 温暖 温馨 安康 安宁 平安 康复 宁静 和平 和谐 常年 于是 成功 成就 管理 柏油 方便 方向 连续 连接 高速 高档 高层 高温 高山 万一 万分 雷同 龙头 江山 江湖 钱财 尚未 应急 申请 贺信 关怀 伍佰 项目 苏醒 施工 包装 包括 车辆 程序 简单 农家 商家 党员 武装 齐心 易于 乔装 严格 严重 段落 毛病 黎明 邵阳 葛根 石头 金山 宫殿 牟利 阳光 卓越 祁连 景区 麻烦 苗头 麦田 谷物 司机 全力 全体 米饭 宗旨 古老 古代")
});

/// Currencies, which jieba tags as transliterated names.
pub static CURRENCIES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("卢布 卢比 美元 日元 欧元 马克 法郎 英镑 克朗 比索 里拉 韩元 港币 港元 人民币 新元 兰特")
});

/// Ideological compounds: the leading person name is an entity (马克思主义 -> 马克思).
pub const IDEOLOGY: &[(&str, usize)] = &[
    ("马克思主义", 3),
    ("列宁主义", 2),
    ("毛泽东思想", 3),
    ("邓小平理论", 3),
    ("孙中山先生", 3),
];

/// Countries, regions and major cities: a gazetteer for places jieba tags as names.
pub static PLACES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("中国 美国 日本 韩国 朝鲜 俄罗斯 英国 法国 德国 意大利 西班牙 葡萄牙 荷兰 比利时 卢森堡 瑞士 瑞典 挪威 丹麦 芬兰 冰岛 爱尔兰 奥地利 波兰 捷克 斯洛伐克 匈牙利 罗马尼亚 保加利亚 希腊 土耳其 乌克兰 白俄罗斯 立陶宛 拉脱维亚 爱沙尼亚 南斯拉夫 塞尔维亚 克罗地亚 波黑 阿尔巴尼亚 马其顿 科索沃 加拿大 墨西哥 古巴 巴西 阿根廷 智利 秘鲁 哥伦比亚 委内瑞拉 乌拉圭 巴拉圭 玻利维亚 厄瓜多尔 印度 巴基斯坦 孟加拉国 斯里兰卡 尼泊尔 阿富汗 伊朗 伊拉克 叙利亚 约旦 黎巴嫩 以色列 巴勒斯坦 沙特 沙特阿拉伯 科威特 也门 阿曼 卡塔尔 埃及 利比亚 突尼斯 阿尔及利亚 摩洛哥 苏丹 埃塞俄比亚 肯尼亚 坦桑尼亚 尼日利亚 南非 津巴布韦 安哥拉 刚果 扎伊尔 加纳 越南 老挝 柬埔寨 泰国 缅甸 马来西亚 新加坡 印度尼西亚 印尼 菲律宾 文莱 蒙古 哈萨克斯坦 乌兹别克斯坦 吉尔吉斯斯坦 塔吉克斯坦 土库曼斯坦 澳大利亚 新西兰 莫斯科 华盛顿 纽约 伦敦 巴黎 柏林 东京 首尔 汉城 平壤 北京 上海 天津 重庆 香港 澳门 台湾 新德里 伊斯兰堡 卡拉奇 德黑兰 巴格达 开罗 耶路撒冷 曼谷 河内 雅加达 马尼拉 悉尼 罗马 马德里 维也纳 日内瓦 布鲁塞尔 华沙 布拉格 基辅 明斯克 贝尔格莱德 雅典 安卡拉 渥太华 多伦多 洛杉矶 旧金山 芝加哥 休斯敦 里约热内卢 布宜诺斯艾利斯 哈瓦那 石家庄 拉萨 乌鲁木齐 呼和浩特 哈尔滨 长春 沈阳 大连 济南 青岛 郑州 合肥 南京 杭州 福州 南昌 武汉 长沙 广州 深圳 南宁 海口 成都 贵阳 昆明 西安 兰州 西宁 银川 太原 桂林 洛阳 开封 焦作 平顶山 周口 许昌 新乡 安阳 南阳 商丘 信阳 驻马店 漯河 三门峡 鹤壁 濮阳 济源 克什米尔 欧洲 亚洲 非洲 美洲 拉美 大洋洲 中东 巴尔干 切尔诺贝利 查谟")
});

/// International organisations known by short names.
pub static ORGANISATIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("欧盟 北约 东盟 欧佩克 联合国 世贸组织 世界银行 国际货币基金组织 红十字会 奥委会 国际奥委会 亚行 世行 安理会 世卫组织 新华社 中新社 国务院 党中央 中共中央 中央军委 全国人大 全国政协 人大常委会 解放军 新四军 八路军 足协 社科院 中科院 工程院 科学院 国会 议会 参议院 众议院 内阁 纪委 市委 县委 省委 区委 镇党委 乡党委 村委会 居委会 村两委 办事处 指挥部 外交部 财政部 国防部 商务部 教育部 公安部 司法部 卫生部 农业部 内政部 人民日报 光明日报 经济日报 解放军报")
});

/// Words jieba tags as places that name no particular place.
pub static NOT_PLACES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("城市 两国 各国 外国 大国 海洋 山区 山水 海关 山坡 贵宾 治安 黑洞 大桥 城乡 乡村 农村 山村 边疆 海外 国外 国内 全国 本国 我国 该国 异国 他国 小国 强国 邻国 欧美 中外 于国 广场 上半场 下半场 北京时间 全省 全市 全县 全区 本市 本县 该市 该县 各地 当地 外地 异地 内地 基层 社区 小区 街道 楼院 家属院 院落 南北 东西 天下 江山 人间 世间")
});

/// Endings that make a token an organisation name (…委员会, …公司, …医院).
pub const ORG_SUFFIXES: &[&str] = &[
    "委员会",
    "办事处",
    "党支部",
    "党总支",
    "党委",
    "党组",
    "公司",
    "集团",
    "医院",
    "卫生院",
    "卫生所",
    "卫生室",
    "大学",
    "学院",
    "中学",
    "小学",
    "学校",
    "幼儿园",
    "银行",
    "信用社",
    "协会",
    "联合会",
    "商会",
    "研究所",
    "研究院",
    "研究会",
    "中心",
    "代表团",
    "歌舞团",
    "艺术团",
    "女队",
    "男队",
    "女篮",
    "男篮",
    "女排",
    "男排",
    "俱乐部",
    "基金会",
    "通讯社",
    "电视台",
    "电台",
    "报社",
    "日报",
    "晚报",
    "时报",
    "周刊",
    "出版社",
    "论坛",
    "指挥部",
    "工作组",
    "领导小组",
    "专班",
    "派出所",
    "公安局",
    "分局",
    "法院",
    "检察院",
    "政协",
    "人大",
    "法庭",
    "联盟",
    "组织",
    "局",
    "部",
    "署",
    "厅",
    "院",
    "所",
    "社",
    "厂",
    "委",
    "会",
    "党",
    "军",
    "团",
    "队",
    "处",
    "司",
    "盟",
    "站",
    "馆",
    "行",
];

/// Words that end like an organisation but never head one (社会, 格局, 运动会, 部队).
pub static NOT_ORG_HEADS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("部署 决策部署 社会 国际社会 政局 格局 新格局 大局 全局 结局 布局 时局 当局 开局 中医药 天文学 结合处 政府大院 机会 体会 都会 不会 学会 误会 约会 大会 部队 球队 总部 组织 党组织 团组织 基层党组织 部门 机关 党政机关 单位 各部 全部 内部 外部 局部 干部 部分 局面 出处 好处 用处 到处 处处 住处 之处 难处 银行卡 执行 进行 举行 实行 运行 发行 同行 步行 旅行 流行 自行 不行 上司 官司 场所 厕所 住所 庭院 车站 宾馆 旅馆 饭馆 工厂 重心 核心 信心 决心 关心 用心 放心 安心 民心 人心 爱心 精心 小组 研讨会 招待会 运动会 追悼会 庆功会 座谈会 交流会 博览会 展览会 演唱会 音乐会 晚会 年会 例会 峰会 茶话会 联欢会 报告会 动员会 推进会 现场会 发布会 洽谈会 交易会 订货会 讨论会 纪念会 表彰会 舞会 宴会 聚会 工作会 部署会 调度会 会议 会上 大队 小队 排队 军队 车队 团队 梯队 一行 一团 党和 入党 建党 全党 参军 从军 冠军 亚军 季军 将军 大军 援军 一处 各处 此处")
});

/// Words that may begin or continue an organisation name before its head (国家, 中央…).
pub static ORG_MODIFIERS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("国家 中央 全国 人民 联邦 最高 中级 高级 市 省 县 区 乡 镇 村 女子 男子 国际 世界 总 新闻 外交 内政 国防 财政 司法 公安 教育 卫生 文化 科学 技术 工商 税务 交通 铁道 邮电 农业 工业 商业 中国共产党 共产党 友好 经济 贸易 航空 石油 化工 电力 疫情 防控 防疫 纪检 监察 纪委 监委 党 团 妇联 总工会 红十字")
});

/// Country abbreviations used alone in news (中美关系, 访华, 美方).
pub static COUNTRY_ABBR: LazyLock<HashSet<char>> =
    LazyLock::new(|| chars("中美俄日韩朝英法德意印巴以越泰欧亚非拉澳加港台京沪津渝华墨柬蒙菲缅"));

/// Two-character words made of abbreviations that are not place pairs.
pub static ABBR_NOT_PLACES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("非法 加以 以及 以来 以上 以下 以后 以前 以外 以内 以为 中华 巴中 非洲 法人 来日 台中 港中 日以 中以 中加 加法 法德")
});

/// Words after an abbreviation pair (中美关系 -> 中, 美).
pub const ABBR_PAIR_TAILS: &[&str] = &[
    "",
    "关系",
    "两国",
    "双方",
    "之间",
    "间",
    "联合声明",
    "建交",
    "合作",
    "贸易",
    "边境",
    "战争",
    "首脑",
    "会谈",
    "峰会",
    "友好",
    "联合公报",
    "等国",
];

/// Second characters after an abbreviation that refer to the country (中方, 美军, 华侨).
pub static ABBR_SUFFIX_CHARS: LazyLock<HashSet<char>> =
    LazyLock::new(|| chars("方军剧侨人裔医资商企籍胞"));

/// First characters before an abbreviation that refer to the country (访华, 驻华, 在京).
pub static ABBR_PREFIX_CHARS: LazyLock<HashSet<char>> =
    LazyLock::new(|| chars("访来驻在对反赴旅抵离进援侵全亲留"));

/// Place endings that extend a name (…省, …街道, …小区).
pub const PLACE_SUFFIXES: &[&str] = &[
    "街道",
    "小区",
    "社区",
    "家属院",
    "开发区",
    "新区",
    "自治区",
    "自治州",
    "自治县",
    "省",
    "市",
    "县",
    "区",
    "镇",
    "乡",
    "村",
    "路",
    "街",
    "州",
    "岛",
    "江",
    "河",
    "湖",
    "山",
    "港",
];

/// Trailing words that are not part of a place (西南地区 -> 西南, 亚洲各国 -> 亚洲).
pub const PLACE_TAIL_STRIP: &[&str] = &[
    "地区", "各国", "各地", "一带", "境内", "方面", "人民", "籍", "人",
];

/// Time words jieba tags `t` that are dates or times (not 周恩来, which it also tags `t`).
/// Relative adverbs (目前, 当天, 此前, 近日 ...) are left out: annotators do not mark them.
pub static TIME_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    set("除夕 春节 元旦 元宵节 元宵 清明节 清明 端午节 端午 中秋节 中秋 国庆节 国庆 重阳节 七夕 小年 大年三十 大年夜 年三十 今天 昨天 明天 前天 后天 今年 去年 明年 前年 后年 当年 今晨 昨晚 今晚 上午 下午 中午 晚上 凌晨 早上 傍晚 深夜 夜间 白天 上旬 中旬 下旬 月初 月底 年初 年底 年末 岁末 节前 节后 春节期间 假期 寒假 暑假 周末 星期一 星期二 星期三 星期四 星期五 星期六 星期日 星期天 周一 周二 周三 周四 周五 周六 周日 正月 腊月")
});

/// Endings of event words that look like organisations (…招待会, …发布会, …会议).
pub const EVENT_ENDINGS: &[&str] = &[
    "招待会",
    "运动会",
    "追悼会",
    "庆功会",
    "座谈会",
    "研讨会",
    "交流会",
    "博览会",
    "展览会",
    "演唱会",
    "音乐会",
    "晚会",
    "大会",
    "年会",
    "例会",
    "峰会",
    "茶话会",
    "联欢会",
    "报告会",
    "动员会",
    "推进会",
    "现场会",
    "发布会",
    "洽谈会",
    "交易会",
    "订货会",
    "讨论会",
    "纪念会",
    "表彰会",
    "舞会",
    "宴会",
    "聚会",
    "工作会",
    "部署会",
    "调度会",
    "会议",
    "机会",
    "社会",
];

/// Membership of a word in the lists above, looked up once per token.
pub mod flag {
    pub const WEATHER: u16 = 1;
    pub const NOT_NAME: u16 = 1 << 1;
    pub const CURRENCY: u16 = 1 << 2;
    pub const PLACE: u16 = 1 << 3;
    pub const ORG: u16 = 1 << 4;
    pub const NOT_PLACE: u16 = 1 << 5;
    pub const NOT_ORG_HEAD: u16 = 1 << 6;
    pub const ORG_MODIFIER: u16 = 1 << 7;
    pub const TIME: u16 = 1 << 8;
    pub const TITLE: u16 = 1 << 9;
    pub const IDEOLOGY: u16 = 1 << 10;
}

static WORD_FLAGS: LazyLock<rustc_hash::FxHashMap<&'static str, u16>> = LazyLock::new(|| {
    let mut map = rustc_hash::FxHashMap::default();
    let lists: [(&HashSet<&'static str>, u16); 10] = [
        (&WEATHER, flag::WEATHER),
        (&NOT_NAMES, flag::NOT_NAME),
        (&CURRENCIES, flag::CURRENCY),
        (&PLACES, flag::PLACE),
        (&ORGANISATIONS, flag::ORG),
        (&NOT_PLACES, flag::NOT_PLACE),
        (&NOT_ORG_HEADS, flag::NOT_ORG_HEAD),
        (&ORG_MODIFIERS, flag::ORG_MODIFIER),
        (&TIME_WORDS, flag::TIME),
        (&TITLES, flag::TITLE),
    ];
    for (words, f) in lists {
        for w in words.iter() {
            *map.entry(*w).or_insert(0) |= f;
        }
    }
    for (w, _) in IDEOLOGY {
        *map.entry(*w).or_insert(0) |= flag::IDEOLOGY;
    }
    map
});

/// The lists a word belongs to (one hash lookup).
pub fn flags(word: &str) -> u16 {
    WORD_FLAGS.get(word).copied().unwrap_or(0)
}

/// [`flags`], skipping the lookup for single characters that are on no list (most
/// tokens of a text).
pub fn flags_fast(word: &str) -> u16 {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None)
            if !matches!(
                c,
                '市' | '省' | '县' | '区' | '乡' | '镇' | '村' | '总' | '党' | '团'
            ) =>
        {
            0
        }
        _ => flags(word),
    }
}

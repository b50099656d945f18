package demo

import (
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
)

// TitlePrefix starts the title of every demonstration request, so that
// nobody takes one for a real family's plea.
const TitlePrefix = "【演示】"

// Notice ends the story of every demonstration request, for the same reason.
const Notice = "\n\n（本求助为演示数据：人物、病情和经历均为虚构，仅用于展示平台功能，请勿捐款。）"

// PhonePrefix is the start of the phone numbers of the demonstration
// people: 170 is a virtual operator's range, and 170 0000 numbers are not
// handed to anyone's customers in the demo's imagination either.
const PhonePrefix = "1700000"

// spec is one demonstration request: who files it, what it says, and how
// far through the life cycle it goes.
type spec struct {
	state     campaign.State // where it is left
	publisher string         // the publisher's name
	patient   string         // the patient's name; "" when the publisher is the patient
	rel       campaign.Relationship
	relDetail string
	title     string // without TitlePrefix
	diagnosis string
	hospital  string
	city      string
	story     string // without Notice
	use       []campaign.UseItem
	means     answers // the disclosures answered "yes"; every other topic is "no"

	// text is the reviewer's questions (needs_info), the reason of a
	// rejection or of a suspension.
	text string
	// firstApproval leaves a request that needs two reviewers with one
	// approval, for the second reviewer (R-REV-3).
	firstApproval bool
	closing       campaign.Closing
	closeNote     string
	// byDonations leaves the request fundraising when it is loaded: its
	// demonstration donations take it to its target, which closes it
	// (R-PUB-4). Only with closing.Reason TargetReached.
	byDonations bool
	// period is the fundraising period; zero is campaign.DefaultPeriod.
	period time.Duration
	// amend, when set, is added to the story in a second published
	// version, so that the public page says what changed (R-REQ-6).
	amend   string
	updates []update
}

// update is a progress update the publisher posts, and what the patrol
// did with it (R-REV-4).
type update struct {
	body     string
	checked  bool
	takedown string // the public reason of a takedown
}

// answers are a request's "yes" disclosures (R-REQ-2).
type answers map[campaign.Topic]campaign.Disclosure

func yuan(n int64) money.Fen { return money.Fen(n * 100) }

// insured is the answer most families give on basic medical insurance.
var insured = campaign.Disclosure{Detail: "参加城乡居民基本医疗保险，住院费用可按比例报销约一半，自费药品和器材不在报销范围内。"}

// specs are the demonstration requests, one or more in every state a
// request can rest in. Submitted and screening are missing on purpose:
// the machine screen runs in the transaction that submits, so a request
// never rests there. Terminated is reached through the fraud process, by
// LoadRefunds (refunds.go), from a request fundraising here; settling is
// passed through on the way to completed.
var specs = []spec{
	{
		state: campaign.Draft, publisher: "赵建国", rel: campaign.Self,
		title: "尿毒症七年，盼一次肾移植", diagnosis: "慢性肾衰竭（尿毒症期）", hospital: "郑州大学第一附属医院", city: "郑州",
		story: "我今年四十六岁，七年前确诊尿毒症，每周三次血液透析，已经不能再干工地上的活。去年终于等到肾源配型，医生建议尽快做肾移植手术。" +
			"妻子在县城超市打零工，孩子还在读高中，家里多年的积蓄都花在了透析上，手术和术后抗排异药的费用实在拿不出来。",
		use: []campaign.UseItem{
			{Label: "肾移植手术费", Amount: yuan(100_000), Note: "按医院费用预估单"},
			{Label: "术后抗排异药物（一年）", Amount: yuan(40_000)},
			{Label: "术前透析及检查", Amount: yuan(10_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Income:           {Detail: "妻子打零工的收入", Amount: yuan(36_000)},
			campaign.Debts:            {Detail: "向亲戚借的透析费用", Amount: yuan(80_000)},
		},
	},
	{
		state: campaign.InReview, publisher: "孙丽", patient: "孙德明", rel: campaign.Child,
		title: "父亲肺癌晚期，靶向治疗还差一步", diagnosis: "右肺腺癌（IV期，EGFR突变阳性）", hospital: "中山大学肿瘤防治中心", city: "广州",
		story: "父亲今年六十二岁，一直在老家种地。三个月前咳嗽不止，到医院检查确诊肺腺癌晚期，好在基因检测发现可以用靶向药。" +
			"靶向药物每月一万多元，医保只能报销一部分，加上化疗和定期复查，家里已经借遍了亲戚。我在广州打工，想为父亲争取更多时间。",
		use: []campaign.UseItem{
			{Label: "靶向药物（六个月）", Amount: yuan(120_000)},
			{Label: "化疗及住院费用", Amount: yuan(45_000)},
			{Label: "复查影像检查", Amount: yuan(15_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Housing:          {Detail: "老家农村自建房一处，无法变卖"},
			campaign.Income:           {Detail: "我和丈夫打工的收入", Amount: yuan(96_000)},
		},
	},
	{
		state: campaign.InReview, firstApproval: true, publisher: "陈海燕", patient: "王子轩", rel: campaign.Parent,
		title: "一岁宝宝胆道闭锁，等待活体肝移植", diagnosis: "先天性胆道闭锁，葛西手术后肝硬化", hospital: "上海交通大学医学院附属仁济医院", city: "上海",
		story: "儿子出生两个月时皮肤越来越黄，确诊先天性胆道闭锁，做了葛西手术，但术后肝功能持续恶化，已经发展为肝硬化。" +
			"医生说只有肝移植才能救他，我已经做完配型，准备把自己的一部分肝脏给孩子。移植手术、术后重症监护和长期抗排异治疗的费用远超我们的承受能力，医院已出具超过五十万元的诊疗费用证明。",
		use: []campaign.UseItem{
			{Label: "活体肝移植手术（供受体）", Amount: yuan(350_000)},
			{Label: "术前评估与检查", Amount: yuan(50_000)},
			{Label: "术后重症监护", Amount: yuan(120_000)},
			{Label: "抗排异药物（两年）", Amount: yuan(100_000)},
		},
		means: answers{
			campaign.MedicalInsurance:  insured,
			campaign.MedicalAssistance: {Detail: "区民政局临时救助", Amount: yuan(20_000)},
			campaign.Income:            {Detail: "丈夫开网约车的收入", Amount: yuan(72_000)},
			campaign.Debts:             {Detail: "葛西手术时的借款", Amount: yuan(60_000)},
		},
	},
	{
		state: campaign.NeedsInfo, publisher: "刘洋", patient: "刘一诺", rel: campaign.Parent,
		title: "女儿法洛四联症，手术不能再等", diagnosis: "先天性心脏病（法洛四联症）", hospital: "中国医学科学院阜外医院", city: "北京",
		story: "女儿八个月大，出生后一哭嘴唇就发紫，体重一直长不上去，到北京检查确诊为法洛四联症，医生建议一岁前完成根治手术。" +
			"我和妻子都在县城打工，为了看病已经在北京租房住了两个月，手术和术后监护的费用让我们压力很大。",
		use: []campaign.UseItem{
			{Label: "心脏根治手术费", Amount: yuan(80_000)},
			{Label: "术后重症监护", Amount: yuan(30_000)},
			{Label: "术后复查", Amount: yuan(10_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Income:           {Detail: "夫妻二人打工收入", Amount: yuan(60_000)},
		},
		text: "您好，您上传的费用预估单照片模糊，看不清医院公章和金额。请重新上传一张清晰的原件照片，并补充孩子的出生医学证明，以证明您与患儿的关系。",
	},
	{
		state: campaign.Rejected, publisher: "吴刚", rel: campaign.Self,
		title: "股骨头坏死，想重新站起来", diagnosis: "双侧股骨头缺血性坏死", hospital: "华中科技大学同济医学院附属协和医院", city: "武汉",
		story: "我今年五十岁，在物流公司搬货二十多年，前年开始髋部疼痛，走路越来越困难，去年确诊双侧股骨头坏死，医生建议做髋关节置换手术。" +
			"因为不能干重活，我已经失业一年，家里只靠妻子一个人的收入，手术和康复的费用实在凑不齐。",
		use: []campaign.UseItem{
			{Label: "双侧髋关节置换手术", Amount: yuan(150_000)},
			{Label: "术后康复治疗", Amount: yuan(50_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Housing:          {Detail: "与父母同住的一套住房", Amount: yuan(400_000)},
			campaign.Income:           {Detail: "妻子的工资收入", Amount: yuan(48_000)},
		},
		text: "经核实，诊断证明上的医院未能查到患者的就诊记录，申报的手术费用也明显高于医院同类手术的一般费用，本次求助未通过审核。如有异议，可携带真实的就诊材料重新提交。",
	},
	{
		state: campaign.Approved, publisher: "黄伟", patient: "黄欣怡", rel: campaign.Parent,
		title: "白血病复发，女儿需要CAR-T和移植", diagnosis: "急性B淋巴细胞白血病（复发）", hospital: "苏州大学附属第一医院", city: "苏州",
		story: "女儿今年九岁，三年前确诊急性淋巴细胞白血病，经过两年多化疗本已停药，今年春天复查发现复发。" +
			"医生建议先做CAR-T细胞治疗，缓解后尽快做造血干细胞移植。第一次治疗已经花光了积蓄，卖掉了家里的车，这次的费用超过五十万元，医院已出具诊疗费用证明。",
		use: []campaign.UseItem{
			{Label: "CAR-T细胞治疗", Amount: yuan(450_000)},
			{Label: "造血干细胞移植", Amount: yuan(300_000)},
			{Label: "移植后抗感染及住院", Amount: yuan(100_000)},
		},
		means: answers{
			campaign.MedicalInsurance:    insured,
			campaign.CommercialInsurance: {Detail: "女儿有一份少儿重疾险，首次确诊时已理赔十万元，复发不再赔付"},
			campaign.OtherPlatforms:      {Detail: "三年前首次治疗时在另一家求助平台筹款，已结束并公示", Amount: yuan(120_000)},
			campaign.Income:              {Detail: "夫妻二人的工资收入", Amount: yuan(110_000)},
			campaign.Debts:               {Detail: "首次治疗时的银行贷款和亲友借款", Amount: yuan(200_000)},
		},
	},
	{
		state: campaign.Fundraising, publisher: "张敏", patient: "李沐阳", rel: campaign.Parent,
		title: "五岁儿子急性髓系白血病，求助化疗和移植", diagnosis: "急性髓系白血病（M5型）", hospital: "中国医学科学院血液病医院", city: "天津",
		story: "儿子今年五岁，上个月反复高烧不退，身上出现很多出血点，到天津确诊急性髓系白血病。医生说需要先做四个疗程化疗，缓解后尽快做骨髓移植。" +
			"我和孩子爸爸在老家开一家小餐馆，为了给孩子治病已经关了店，全家在医院附近租房陪护，几个月的费用已经用掉了全部积蓄。",
		use: []campaign.UseItem{
			{Label: "化疗（四个疗程）", Amount: yuan(120_000)},
			{Label: "骨髓移植", Amount: yuan(150_000)},
			{Label: "住院及陪护", Amount: yuan(30_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Vehicles:         {Detail: "一辆用于餐馆进货的面包车", Amount: yuan(30_000)},
			campaign.Income:           {Detail: "餐馆停业前一年的收入", Amount: yuan(80_000)},
			campaign.Debts:            {Detail: "向亲友借的化疗费用", Amount: yuan(50_000)},
		},
		amend: "\n\n更新：两个疗程化疗后孩子已经达到完全缓解，哥哥的骨髓配型也成功了，医院安排下个月进仓移植。",
		updates: []update{
			{body: "【演示】第一个疗程化疗结束，孩子扛过了最难的几天，血象开始恢复，谢谢大家的关心。", checked: true},
			{body: "【演示】想更快帮到孩子的朋友，可以加微信私聊，直接转账到个人账户更方便。",
				takedown: "该动态引导捐款人绕开平台托管账户私下转账，违反平台规则，已下架。所有善款只能通过平台捐助。"},
			{body: "【演示】第二个疗程顺利完成，复查骨髓已经完全缓解，下个月进仓移植。"},
		},
	},
	{
		state: campaign.Fundraising, publisher: "林秀英", patient: "陈志强", rel: campaign.Spouse,
		title: "丈夫确诊肝癌，家里的顶梁柱倒下了", diagnosis: "原发性肝细胞癌", hospital: "复旦大学附属中山医院", city: "上海",
		story: "丈夫今年四十八岁，是一名货车司机，常年在外跑长途。两个月前体检发现肝脏占位，确诊肝细胞癌，医生建议先手术切除，再做介入治疗。" +
			"他一直是家里唯一的收入来源，两个孩子一个读大学一个读初中，我身体不好没有工作，手术费和后续治疗费压得我们喘不过气。",
		use: []campaign.UseItem{
			{Label: "肝癌切除手术", Amount: yuan(120_000)},
			{Label: "介入治疗", Amount: yuan(80_000)},
			{Label: "靶向药物", Amount: yuan(50_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Vehicles:         {Detail: "丈夫跑运输的货车，仍有贷款未还清", Amount: yuan(90_000)},
			campaign.Income:           {Detail: "丈夫跑运输的收入", Amount: yuan(90_000)},
			campaign.Debts:            {Detail: "货车贷款", Amount: yuan(60_000)},
		},
		updates: []update{
			{body: "【演示】手术很顺利，医生说肿瘤切得很干净，他已经从监护室转到普通病房。"},
		},
	},
	{
		state: campaign.Fundraising, publisher: "马超", patient: "马强", rel: campaign.Sibling,
		title: "弟弟工地火灾重度烧伤，需要多次植皮", diagnosis: "重度烧伤（烧伤面积65%，三度40%）", hospital: "中国人民解放军总医院第四医学中心", city: "北京",
		story: "弟弟今年二十六岁，在工地做电焊工，上个月工地仓库起火，他冲进去救工友时被严重烧伤，全身烧伤面积百分之六十五。" +
			"他在重症监护室住了三周，还需要多次植皮手术和长期康复。我们家在农村，父母年迈，医院已出具超过五十万元的诊疗费用证明，请大家帮帮他。",
		use: []campaign.UseItem{
			{Label: "植皮手术（多次）", Amount: yuan(300_000)},
			{Label: "重症监护", Amount: yuan(180_000)},
			{Label: "康复治疗及压力衣", Amount: yuan(100_000)},
		},
		means: answers{
			campaign.MedicalInsurance:  insured,
			campaign.MedicalAssistance: {Detail: "县医疗救助基金", Amount: yuan(30_000)},
			campaign.Income:            {Detail: "弟弟和父母务农、打工的收入", Amount: yuan(50_000)},
		},
	},
	{
		state: campaign.Fundraising, publisher: "何静", rel: campaign.Self,
		title: "二十八岁患再生障碍性贫血，想活下去", diagnosis: "重型再生障碍性贫血", hospital: "四川大学华西医院", city: "成都",
		story: "我今年二十八岁，是一名小学老师。半年前开始经常牙龈出血、乏力，确诊重型再生障碍性贫血，每周都要输血。" +
			"医生说造血干细胞移植是唯一能根治的办法，妹妹和我配型成功。父母都是农民，我工作几年的积蓄已经用完了。",
		use: []campaign.UseItem{
			{Label: "造血干细胞移植", Amount: yuan(150_000)},
			{Label: "抗排异药物", Amount: yuan(30_000)},
			{Label: "输血及住院", Amount: yuan(20_000)},
		},
		means: answers{
			campaign.MedicalInsurance:    insured,
			campaign.CommercialInsurance: {Detail: "单位团体意外险，不含重疾保障"},
			campaign.Income:              {Detail: "本人停薪前的工资", Amount: yuan(60_000)},
		},
	},
	{
		state: campaign.Closed, publisher: "郭晓东", patient: "王桂兰", rel: campaign.Child,
		title: "母亲患淋巴瘤，化疗费用告急", diagnosis: "弥漫大B细胞淋巴瘤", hospital: "山东省肿瘤医院", city: "济南",
		story: "母亲今年五十九岁，脖子上长了肿块，确诊弥漫大B细胞淋巴瘤，需要做六个疗程的免疫化疗。" +
			"父亲前年去世，母亲一个人在老家务农，我在济南送外卖，收入只够日常开销，化疗费用实在负担不起。",
		use: []campaign.UseItem{
			{Label: "免疫化疗（六个疗程）", Amount: yuan(130_000)},
			{Label: "住院及检查", Amount: yuan(30_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Income:           {Detail: "我送外卖的收入", Amount: yuan(60_000)},
		},
		// Its demonstration donations reach the target, which closes it.
		closing:     campaign.Closing{Reason: campaign.TargetReached},
		byDonations: true,
	},
	{
		state: campaign.Closed, publisher: "杨丽娟", rel: campaign.Self,
		title: "乳腺癌术后化疗，单亲妈妈求助", diagnosis: "左侧乳腺浸润性导管癌（II期）", hospital: "湖南省肿瘤医院", city: "长沙",
		story: "我今年三十九岁，独自带着十岁的女儿生活。今年初洗澡时摸到乳房肿块，确诊乳腺癌，已经做了手术，还需要八次化疗和放疗。" +
			"我原本在服装厂上班，生病后没有了收入，手术已经花光了积蓄，后续治疗还差不少钱。",
		use: []campaign.UseItem{
			{Label: "术后化疗（八次）", Amount: yuan(60_000)},
			{Label: "放疗", Amount: yuan(30_000)},
			{Label: "复查", Amount: yuan(10_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.MinimumLiving:    {Detail: "今年起享受城市低保"},
			campaign.Income:           {Detail: "低保金和零工收入", Amount: yuan(18_000)},
		},
		closing: campaign.Closing{Reason: campaign.PeriodEnded},
		// The whole demonstration is written at one instant (one
		// transaction), so its period is the shortest there is and has
		// ended when it is closed.
		period: time.Microsecond,
	},
	{
		state: campaign.Closed, publisher: "徐振华", patient: "徐乐乐", rel: campaign.Grandparent,
		title: "孙子突发格林巴利综合征，住进重症监护", diagnosis: "格林-巴利综合征（急性炎症性脱髓鞘性多发性神经病）", hospital: "重庆医科大学附属儿童医院", city: "重庆",
		story: "孙子今年七岁，父母在外地打工，一直跟着我们老两口生活。上个月他感冒后突然双腿无力，很快连呼吸都困难，确诊格林巴利综合征，住进了重症监护室。" +
			"医生说需要用大剂量免疫球蛋白，必要时上呼吸机。我们靠种地为生，孩子父母打工的钱也不多。",
		use: []campaign.UseItem{
			{Label: "重症监护", Amount: yuan(50_000)},
			{Label: "免疫球蛋白治疗", Amount: yuan(30_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.PoorHousehold:    {Detail: "家中为建档立卡贫困户（已脱贫监测户）"},
			campaign.Income:           {Detail: "务农和孩子父母打工的收入", Amount: yuan(40_000)},
		},
		closing:   campaign.Closing{Reason: campaign.PurposeGone, Cause: campaign.Recovered},
		closeNote: "孩子恢复得比预想快，已经康复出院。未使用的善款将按规则原路退还捐款人。",
	},
	{
		state: campaign.Completed, publisher: "罗建华", patient: "罗思琪", rel: campaign.Parent,
		title: "女儿重度脊柱侧弯，矫形手术求助", diagnosis: "青少年特发性脊柱侧弯（Cobb角65°）", hospital: "北京协和医院", city: "北京",
		story: "女儿今年十四岁，两年前发现背部不对称，这两年侧弯发展很快，现在已经压迫到心肺，跑几步就喘不上气。" +
			"医生建议尽快做脊柱矫形手术。我们是普通工薪家庭，手术需要的内固定器材医保报销很少。",
		use: []campaign.UseItem{
			{Label: "脊柱矫形手术及内固定器材", Amount: yuan(75_000)},
			{Label: "术后康复", Amount: yuan(15_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Housing:          {Detail: "一套自住房，仍在还房贷", Amount: yuan(600_000)},
			campaign.Income:           {Detail: "夫妻二人的工资", Amount: yuan(90_000)},
			campaign.Debts:            {Detail: "房贷余额", Amount: yuan(300_000)},
		},
		closing:   campaign.Closing{Reason: campaign.PurposeAchieved},
		closeNote: "手术已经完成，孩子恢复良好，谢谢大家。",
		updates: []update{
			{body: "【演示】手术非常成功，女儿已经能下床走路了，身高还长了五厘米。", checked: true},
		},
	},
	{
		state: campaign.Suspended, publisher: "钱宇", patient: "钱永福", rel: campaign.OtherRelative, relDetail: "患者的侄子",
		title: "大伯确诊胰腺癌，孤身一人无人照顾", diagnosis: "胰腺导管腺癌", hospital: "浙江大学医学院附属第一医院", city: "杭州",
		story: "大伯今年六十五岁，一辈子没有结婚，一个人在老家生活。上个月因为腹痛和黄疸住院，确诊胰腺癌，需要手术和化疗。" +
			"我是他唯一常来往的亲人，替他在平台上求助，希望能帮他凑齐手术和化疗的费用。",
		use: []campaign.UseItem{
			{Label: "胰十二指肠切除手术", Amount: yuan(180_000)},
			{Label: "术后化疗", Amount: yuan(120_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Income:           {Detail: "大伯的养老金", Amount: yuan(24_000)},
		},
		text: "收到多条举报，称患者已在其他平台为同一病情筹款但未如实披露。平台已暂停筹款并在核实中，核实期间不接受捐款。",
	},
	// The two requests refunds.go works on: the first ends its purpose
	// and refunds its donors (R-REF-1), the second has a donor who asks
	// for their money back (policy P). Neither has a payout.
	{
		state: campaign.Fundraising, publisher: "郑晓燕", patient: "郑可欣", rel: campaign.Parent,
		title: "女儿急性阑尾炎穿孔，腹膜炎住院", diagnosis: "急性化脓性阑尾炎伴穿孔、弥漫性腹膜炎", hospital: "中南大学湘雅医院", city: "长沙",
		story: "女儿今年九岁，前几天肚子疼了一整夜，送到医院时阑尾已经穿孔，引起了腹膜炎，做了急诊手术，现在还在住院抗感染。" +
			"医生说如果感染控制不好可能还要再做一次手术。我们在外地打工，没有商业保险。",
		use: []campaign.UseItem{
			{Label: "急诊手术及住院", Amount: yuan(30_000)},
			{Label: "抗感染治疗", Amount: yuan(10_000)},
		},
		means: answers{
			campaign.MedicalInsurance: insured,
			campaign.Income:           {Detail: "夫妻二人打工的收入", Amount: yuan(70_000)},
		},
	},
	{
		state: campaign.Fundraising, publisher: "冯建军", rel: campaign.Self,
		title: "货车司机车祸骨盆骨折，需要二次手术", diagnosis: "骨盆粉碎性骨折、股骨干骨折", hospital: "郑州大学第一附属医院", city: "郑州",
		story: "我是一名货车司机，上个月在高速上被追尾，骨盆和大腿都骨折了，已经做了一次手术，还需要再做一次内固定手术。" +
			"对方车辆的保险赔付要等事故认定和诉讼结束，短期内拿不到，家里还有两个孩子上学。",
		use: []campaign.UseItem{
			{Label: "第二次内固定手术", Amount: yuan(60_000)},
			{Label: "康复治疗", Amount: yuan(20_000)},
		},
		means: answers{
			campaign.MedicalInsurance:    insured,
			campaign.CommercialInsurance: {Detail: "事故对方的交强险和商业三者险，赔付需等诉讼结束"},
			campaign.Income:              {Detail: "本人跑运输的收入（受伤后停工）", Amount: yuan(80_000)},
		},
	},
}

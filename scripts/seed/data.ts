/** Reference data for the Xianning seed: banks, products, districts, industries and name parts. */

import type { Weighted } from './random.js';

export type BankKind = 'STATE_OWNED' | 'JOINT_STOCK' | 'CITY_COMMERCIAL' | 'RURAL_COMMERCIAL';

export interface BankDef {
  id: string;
  name: string;
  kind: BankKind;
  techBranch: string | null;
  /** Relative share of sci-tech lending in the city districts and in the counties. */
  cityWeight: number;
  countyWeight: number;
}

/** The banks of the plan's 市直各银行业金融机构 with a Xianning presence. */
export const BANKS: readonly BankDef[] = [
  {
    id: 'icbc',
    name: '工商银行咸宁分行',
    kind: 'STATE_OWNED',
    techBranch: '工行咸宁科技支行',
    cityWeight: 15,
    countyWeight: 8,
  },
  {
    id: 'abc',
    name: '农业银行咸宁分行',
    kind: 'STATE_OWNED',
    techBranch: null,
    cityWeight: 11,
    countyWeight: 15,
  },
  {
    id: 'boc',
    name: '中国银行咸宁分行',
    kind: 'STATE_OWNED',
    techBranch: null,
    cityWeight: 9,
    countyWeight: 5,
  },
  {
    id: 'ccb',
    name: '建设银行咸宁分行',
    kind: 'STATE_OWNED',
    techBranch: '建行咸宁高新科技支行',
    cityWeight: 14,
    countyWeight: 8,
  },
  {
    id: 'bocom',
    name: '交通银行咸宁分行',
    kind: 'STATE_OWNED',
    techBranch: null,
    cityWeight: 6,
    countyWeight: 2,
  },
  {
    id: 'psbc',
    name: '邮储银行咸宁市分行',
    kind: 'STATE_OWNED',
    techBranch: null,
    cityWeight: 6,
    countyWeight: 10,
  },
  {
    id: 'hubei',
    name: '湖北银行咸宁分行',
    kind: 'CITY_COMMERCIAL',
    techBranch: '湖北银行咸宁科技支行',
    cityWeight: 13,
    countyWeight: 10,
  },
  {
    id: 'hankou',
    name: '汉口银行咸宁分行',
    kind: 'CITY_COMMERCIAL',
    techBranch: '汉口银行咸宁高新区科技支行',
    cityWeight: 10,
    countyWeight: 4,
  },
  {
    id: 'xnrcb',
    name: '咸宁农商行',
    kind: 'RURAL_COMMERCIAL',
    techBranch: '咸宁农商行科技金融服务中心',
    cityWeight: 14,
    countyWeight: 25,
  },
];

export const BANK_WEIGHTS_CITY: Weighted<string> = BANKS.map((b) => [b.id, b.cityWeight]);
export const BANK_WEIGHTS_COUNTY: Weighted<string> = BANKS.map((b) => [b.id, b.countyWeight]);

export type Category =
  | 'IP_PLEDGE_LOAN'
  | 'EQUITY_PLEDGE_LOAN'
  | 'ORDER_LOAN'
  | 'WAREHOUSE_RECEIPT_LOAN'
  | 'INSURANCE_POLICY_LOAN'
  | 'CREDIT_LOAN'
  | 'GUARANTEE_LOAN'
  | 'SUPPLY_CHAIN'
  | 'RECEIVABLES_FINANCE';

export type Collateral =
  | 'PATENT_PLEDGE'
  | 'TRADEMARK_PLEDGE'
  | 'EQUITY_PLEDGE'
  | 'ORDER_PLEDGE'
  | 'WAREHOUSE_RECEIPT_PLEDGE'
  | 'INSURANCE_POLICY_PLEDGE'
  | 'RECEIVABLES'
  | 'GUARANTEE'
  | 'REAL_ESTATE'
  | 'NONE';

export interface CategoryDef {
  collateral: Collateral[];
  /** Amount range in yuan. */
  minYuan: number;
  maxYuan: number;
  maxTermMonths: number;
  /** Conditions a solution built on this kind of product typically sets (一企一策). */
  conditions: string[];
}

export const CATEGORIES: Record<Category, CategoryDef> = {
  IP_PLEDGE_LOAN: {
    collateral: ['PATENT_PLEDGE', 'TRADEMARK_PLEDGE'],
    minYuan: 500_000,
    maxYuan: 30_000_000,
    maxTermMonths: 36,
    conditions: [
      '以名下已授权发明专利办理质押登记，评估值按五折计算授信',
      '专利权质押，追加法定代表人个人连带责任保证',
      '知识产权质押，纳入市风险补偿资金池，按季付息',
    ],
  },
  EQUITY_PLEDGE_LOAN: {
    collateral: ['EQUITY_PLEDGE'],
    minYuan: 1_000_000,
    maxYuan: 50_000_000,
    maxTermMonths: 36,
    conditions: [
      '控股股东以所持股权出质，质押率不超过50%',
      '股权质押并引入投资机构认股选择权，投贷联动',
    ],
  },
  ORDER_LOAN: {
    collateral: ['ORDER_PLEDGE'],
    minYuan: 300_000,
    maxYuan: 20_000_000,
    maxTermMonths: 12,
    conditions: ['以核心客户订单回款账户为监管账户，按订单金额70%放款', '订单质押，货款专户回笼'],
  },
  WAREHOUSE_RECEIPT_LOAN: {
    collateral: ['WAREHOUSE_RECEIPT_PLEDGE'],
    minYuan: 500_000,
    maxYuan: 30_000_000,
    maxTermMonths: 12,
    conditions: ['标准仓单质押，由第三方仓储监管', '存货仓单质押，质押率不超过60%'],
  },
  INSURANCE_POLICY_LOAN: {
    collateral: ['INSURANCE_POLICY_PLEDGE'],
    minYuan: 200_000,
    maxYuan: 5_000_000,
    maxTermMonths: 12,
    conditions: ['投保贷款保证保险，保险公司承担70%风险', '以保单质押，保费享受财政补贴'],
  },
  CREDIT_LOAN: {
    collateral: ['NONE'],
    minYuan: 100_000,
    maxYuan: 10_000_000,
    maxTermMonths: 36,
    conditions: [
      '纯信用方式，按月付息，到期还本，随借随还',
      '信用贷款，要求企业在我行开立基本结算账户并代发工资',
      '信用方式，运用再贷款资金，执行优惠利率',
    ],
  },
  GUARANTEE_LOAN: {
    collateral: ['GUARANTEE', 'REAL_ESTATE'],
    minYuan: 500_000,
    maxYuan: 50_000_000,
    maxTermMonths: 36,
    conditions: [
      '由市融资担保公司提供担保，按"4321"比例分担风险',
      '政府性融资担保，担保费率不超过1%',
      '厂房土地抵押，追加实际控制人保证',
    ],
  },
  SUPPLY_CHAIN: {
    collateral: ['RECEIVABLES', 'ORDER_PLEDGE'],
    minYuan: 500_000,
    maxYuan: 50_000_000,
    maxTermMonths: 12,
    conditions: ['依托核心企业确权的应收账款在线融资', '供应链核心企业付款承诺，线上自动放款'],
  },
  RECEIVABLES_FINANCE: {
    collateral: ['RECEIVABLES'],
    minYuan: 300_000,
    maxYuan: 30_000_000,
    maxTermMonths: 12,
    conditions: ['应收账款在人民银行征信中心动产融资统一登记公示系统办理质押登记'],
  },
};

export interface ProductDef {
  bankId: string;
  name: string;
  category: Category;
  /** Overrides the category's collateral kinds. */
  collateral?: Collateral[];
  requiresHighTech?: boolean;
  published?: boolean;
}

/** 4–6 products per bank, as in the plan's 三(七). */
export const PRODUCTS: readonly ProductDef[] = [
  { bankId: 'icbc', name: '工银科创贷', category: 'CREDIT_LOAN', requiresHighTech: true },
  { bankId: 'icbc', name: '工银知识产权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'icbc', name: '工银订单融资', category: 'ORDER_LOAN' },
  { bankId: 'icbc', name: '工银e链快贷', category: 'SUPPLY_CHAIN' },
  { bankId: 'icbc', name: '工银科技担保贷', category: 'GUARANTEE_LOAN' },
  { bankId: 'icbc', name: '工银应收账款融资', category: 'RECEIVABLES_FINANCE' },
  { bankId: 'abc', name: '农行科技e贷', category: 'CREDIT_LOAN' },
  { bankId: 'abc', name: '农行专利权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'abc', name: '农行仓单质押贷', category: 'WAREHOUSE_RECEIPT_LOAN' },
  { bankId: 'abc', name: '农行链捷贷', category: 'SUPPLY_CHAIN' },
  {
    bankId: 'abc',
    name: '农行"4321"政银担',
    category: 'GUARANTEE_LOAN',
    collateral: ['GUARANTEE'],
  },
  { bankId: 'boc', name: '中银科技通宝', category: 'CREDIT_LOAN', requiresHighTech: true },
  { bankId: 'boc', name: '中银知识产权质押融资', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'boc', name: '中银保单融资', category: 'INSURANCE_POLICY_LOAN' },
  { bankId: 'boc', name: '中银应收账款融资', category: 'RECEIVABLES_FINANCE' },
  { bankId: 'ccb', name: '建行善新贷', category: 'CREDIT_LOAN', requiresHighTech: true },
  { bankId: 'ccb', name: '建行知识产权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'ccb', name: '建行科技股权质押贷', category: 'EQUITY_PLEDGE_LOAN' },
  { bankId: 'ccb', name: '建行订单贷', category: 'ORDER_LOAN' },
  { bankId: 'ccb', name: '建行云链融资', category: 'SUPPLY_CHAIN' },
  { bankId: 'ccb', name: '建行科技担保贷', category: 'GUARANTEE_LOAN', published: false },
  { bankId: 'bocom', name: '交行科创易贷', category: 'CREDIT_LOAN' },
  { bankId: 'bocom', name: '交行知识产权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'bocom', name: '交行股权质押融资', category: 'EQUITY_PLEDGE_LOAN' },
  { bankId: 'bocom', name: '交行保理融资', category: 'RECEIVABLES_FINANCE' },
  { bankId: 'psbc', name: '邮储科创e贷', category: 'CREDIT_LOAN' },
  { bankId: 'psbc', name: '邮储知识产权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'psbc', name: '邮储保单质押贷', category: 'INSURANCE_POLICY_LOAN' },
  { bankId: 'psbc', name: '邮储仓单质押贷', category: 'WAREHOUSE_RECEIPT_LOAN' },
  { bankId: 'psbc', name: '邮储担保贷', category: 'GUARANTEE_LOAN' },
  { bankId: 'hubei', name: '湖北银行科技信用贷', category: 'CREDIT_LOAN' },
  { bankId: 'hubei', name: '湖北银行专利权质押贷', category: 'IP_PLEDGE_LOAN' },
  {
    bankId: 'hubei',
    name: '湖北银行商标权质押贷',
    category: 'IP_PLEDGE_LOAN',
    collateral: ['TRADEMARK_PLEDGE'],
  },
  { bankId: 'hubei', name: '湖北银行订单贷', category: 'ORDER_LOAN' },
  { bankId: 'hubei', name: '湖北银行股权质押贷', category: 'EQUITY_PLEDGE_LOAN' },
  { bankId: 'hubei', name: '湖北银行"4321"担保贷', category: 'GUARANTEE_LOAN' },
  { bankId: 'hankou', name: '汉口银行投贷通', category: 'EQUITY_PLEDGE_LOAN' },
  { bankId: 'hankou', name: '汉口银行知识产权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'hankou', name: '汉口银行科创信用贷', category: 'CREDIT_LOAN', requiresHighTech: true },
  { bankId: 'hankou', name: '汉口银行订单贷', category: 'ORDER_LOAN' },
  { bankId: 'hankou', name: '汉口银行供应链融资', category: 'SUPPLY_CHAIN', published: false },
  { bankId: 'xnrcb', name: '农商行科创贷', category: 'CREDIT_LOAN' },
  { bankId: 'xnrcb', name: '农商行专利权质押贷', category: 'IP_PLEDGE_LOAN' },
  { bankId: 'xnrcb', name: '农商行仓单质押贷', category: 'WAREHOUSE_RECEIPT_LOAN' },
  { bankId: 'xnrcb', name: '农商行保单贷', category: 'INSURANCE_POLICY_LOAN' },
  { bankId: 'xnrcb', name: '农商行政银担', category: 'GUARANTEE_LOAN' },
];

export type District =
  'XIANAN' | 'JIAYU' | 'TONGCHENG' | 'CHONGYANG' | 'TONGSHAN' | 'CHIBI' | 'HIGH_TECH_ZONE';

export interface DistrictDef {
  code: District;
  /** Administrative division code (positions 3–8 of a USCC). */
  area: string;
  weight: number;
  county: boolean;
  /** Address prefix, e.g. 湖北省咸宁市嘉鱼县. */
  addressPrefix: string;
  towns: string[];
  roads: string[];
  /** Place names used at the start of company names. */
  namePrefixes: Weighted<string>;
}

export const DISTRICTS: readonly DistrictDef[] = [
  {
    code: 'XIANAN',
    area: '421202',
    weight: 24,
    county: false,
    addressPrefix: '湖北省咸宁市咸安区',
    towns: ['温泉街道', '永安街道', '浮山街道', '横沟桥镇', '贺胜桥镇', '向阳湖镇'],
    roads: ['温泉路', '金桂路', '永安大道', '银泉大道', '贺胜路', '双鹤路', '桂花路'],
    namePrefixes: [
      ['咸宁', 7],
      ['湖北', 3],
    ],
  },
  {
    code: 'HIGH_TECH_ZONE',
    area: '421200',
    weight: 20,
    county: false,
    addressPrefix: '湖北省咸宁市咸宁高新区',
    towns: [''],
    roads: ['龟山路', '长江大道', '旗鼓大道', '咸宁大道', '中伙铺路', '横沟大道', '青龙路'],
    namePrefixes: [
      ['咸宁', 6],
      ['湖北', 4],
    ],
  },
  {
    code: 'CHIBI',
    area: '421281',
    weight: 17,
    county: true,
    addressPrefix: '湖北省赤壁市',
    towns: ['蒲圻街道', '陆水湖街道', '赵李桥镇', '中伙铺镇', '茶庵岭镇'],
    roads: ['赤壁大道', '蒲圻大道', '青泉路', '河北大道', '茶花路', '金鸡山路'],
    namePrefixes: [
      ['赤壁', 7],
      ['湖北', 3],
    ],
  },
  {
    code: 'JIAYU',
    area: '421221',
    weight: 10,
    county: true,
    addressPrefix: '湖北省咸宁市嘉鱼县',
    towns: ['鱼岳镇', '簰洲湾镇', '潘家湾镇', '高铁岭镇'],
    roads: ['沿湖大道', '鱼岳大道', '城北大道', '发展大道', '嘉鱼大道'],
    namePrefixes: [
      ['嘉鱼', 7],
      ['咸宁', 3],
    ],
  },
  {
    code: 'TONGCHENG',
    area: '421222',
    weight: 10,
    county: true,
    addressPrefix: '湖北省咸宁市通城县',
    towns: ['隽水镇', '马港镇', '北港镇', '关刀镇'],
    roads: ['隽水大道', '银山大道', '玉立大道', '通城大道'],
    namePrefixes: [
      ['通城', 7],
      ['咸宁', 3],
    ],
  },
  {
    code: 'CHONGYANG',
    area: '421223',
    weight: 9,
    county: true,
    addressPrefix: '湖北省咸宁市崇阳县',
    towns: ['天城镇', '白霓镇', '桂花泉镇', '青山镇'],
    roads: ['天城大道', '桃溪大道', '白霓大道', '崇阳大道'],
    namePrefixes: [
      ['崇阳', 7],
      ['咸宁', 3],
    ],
  },
  {
    code: 'TONGSHAN',
    area: '421224',
    weight: 9,
    county: true,
    addressPrefix: '湖北省咸宁市通山县',
    towns: ['通羊镇', '南林桥镇', '大畈镇', '九宫山镇'],
    roads: ['九宫大道', '通羊大道', '沿河大道', '新城大道'],
    namePrefixes: [
      ['通山', 7],
      ['咸宁', 3],
    ],
  },
];

export interface IndustryDef {
  /** GB/T 4754-2017 division, e.g. C39. */
  code: string;
  /** Classes under the division, e.g. C3973. */
  classes: string[];
  weight: number;
  /** Words for the company name (咸宁xx电子科技有限公司). */
  words: string[];
  /** What the enterprise's invention patents are about. */
  subjects: string[];
  /** Equipment and parts, for utility models (实用新型 protect shapes and structures only). */
  devices: string[];
  /** Software firms file method-and-system inventions. */
  software?: boolean;
  /** Product names for design patents (外观设计). */
  designs: string[];
  ipc: string[];
  /** Locarno classes for design patents. */
  locarno: string[];
}

export const INDUSTRIES: readonly IndustryDef[] = [
  {
    code: 'C39',
    classes: ['C3971', 'C3973', 'C3976', 'C3981', 'C3982', 'C3921'],
    weight: 16,
    words: ['电子', '光电', '微电子', '智能', '半导体', '通信'],
    subjects: [
      '柔性电路板',
      '高频连接器',
      '片式电感',
      'LED驱动电源',
      'MEMS传感器',
      '光纤连接器',
      '射频模组',
      '半导体封装基板',
      '智能网关',
    ],
    devices: [
      '柔性电路板',
      '高频连接器',
      '片式电感',
      'LED驱动电源',
      '传感器模组',
      '光纤连接器',
      '智能网关',
    ],
    designs: ['智能网关', '光纤配线箱', 'LED灯具', '传感器外壳', '路由器'],
    ipc: ['H05K 1/02', 'H01R 13/40', 'H01F 17/00', 'H05B 45/30', 'G01D 5/12', 'H01L 23/31'],
    locarno: ['13-03', '14-03', '26-05'],
  },
  {
    code: 'C38',
    classes: ['C3841', 'C3811', 'C3824', 'C3825'],
    weight: 10,
    words: ['电气', '电力科技', '新能源', '电机', '储能'],
    subjects: ['锂离子电池', '储能变流器', '永磁同步电机', '智能断路器', '光伏逆变器', '充电桩'],
    devices: ['锂电池模组', '储能柜', '永磁同步电机', '智能断路器', '充电桩', '配电箱'],
    designs: ['充电桩', '储能柜', '配电箱', '电池包'],
    ipc: ['H01M 10/0525', 'H02M 7/48', 'H02K 1/27', 'H01H 71/10', 'H02J 7/00', 'B60L 53/30'],
    locarno: ['13-02', '13-03'],
  },
  {
    code: 'C35',
    classes: ['C3581', 'C3562', 'C3591', 'C3516'],
    weight: 9,
    words: ['智能装备', '机械', '精密', '自动化'],
    subjects: ['数控冲压设备', '医用输液泵', '智能分拣机', '制茶机械', '纺织印染设备', '掘进刀具'],
    devices: ['数控冲压机', '医用输液泵', '智能分拣机', '茶叶揉捻机', '印染烘干机', '盾构刀具'],
    designs: ['分拣机', '输液泵', '揉捻机', '控制面板'],
    ipc: ['B21D 28/00', 'A61M 5/142', 'B07C 5/34', 'A23F 3/06', 'D06B 3/10', 'E21D 9/10'],
    locarno: ['15-09', '24-02', '15-99'],
  },
  {
    code: 'C34',
    classes: ['C3444', 'C3441', 'C3462'],
    weight: 7,
    words: ['机械', '装备', '精工', '液压'],
    subjects: ['液压阀组', '齿轮减速机', '工业机器人关节', '空气压缩机', '智能轴承'],
    devices: ['液压阀组', '齿轮减速机', '机器人关节', '空气压缩机', '轴承座'],
    designs: ['减速机', '空压机', '机械臂'],
    ipc: ['F15B 13/02', 'F16H 1/32', 'B25J 9/10', 'F04B 39/00', 'F16C 19/06'],
    locarno: ['15-99', '08-08'],
  },
  {
    code: 'C26',
    classes: ['C2651', 'C2614', 'C2662', 'C2641'],
    weight: 7,
    words: ['化工', '新材料', '精细化工', '材料'],
    subjects: ['改性聚丙烯', '水性环保涂料', '有机硅树脂', '电子级化学品', '无卤阻燃剂'],
    devices: ['反应釜', '涂料分散机', '物料过滤装置', '化工尾气吸收塔'],
    designs: ['涂料桶', '包装瓶'],
    ipc: ['C08L 23/12', 'C09D 133/00', 'C08G 77/04', 'C01B 33/107', 'C09K 21/02'],
    locarno: ['09-01', '09-03'],
  },
  {
    code: 'C27',
    classes: ['C2710', 'C2720', 'C2740', 'C2761'],
    weight: 8,
    words: ['生物', '医药', '生物医药', '药业', '健康'],
    subjects: ['中药提取物', '缓释片剂', '冻干粉针剂', '诊断试剂盒', '医用敷料', '苎麻医用纤维'],
    devices: ['中药提取罐', '药品包装机', '制剂干燥设备', '输液袋'],
    designs: ['药品包装盒', '试剂盒', '敷料贴'],
    ipc: ['A61K 36/00', 'A61K 9/22', 'A61K 9/19', 'G01N 33/53', 'A61L 15/28'],
    locarno: ['28-01', '09-03', '24-02'],
  },
  {
    code: 'C30',
    classes: ['C3091', 'C3041', 'C3021'],
    weight: 6,
    words: ['新材料', '建材', '石墨', '陶瓷'],
    subjects: ['石墨烯导热膜', '高纯石英砂', '特种玻璃', '装配式建筑构件', '陶瓷基复合材料'],
    devices: ['石墨提纯炉', '玻璃切割装置', '预制构件模具', '石英砂酸洗设备'],
    designs: ['装饰板', '玻璃砖', '陶瓷砖'],
    ipc: ['C01B 32/184', 'C03B 20/00', 'C03C 3/087', 'E04B 1/04', 'C04B 35/80'],
    locarno: ['25-01', '23-99'],
  },
  {
    code: 'C17',
    classes: ['C1721', 'C1713', 'C1751'],
    weight: 6,
    words: ['纺织', '苎麻纺织', '服饰', '纤维'],
    subjects: ['苎麻混纺纱线', '功能性面料', '熔喷无纺布', '竹纤维织物'],
    devices: ['纺纱牵伸装置', '剑杆织机', '面料烘干装置', '苎麻脱胶设备'],
    designs: ['面料（苎麻）', '无纺布袋', '提花布'],
    ipc: ['D02G 3/04', 'D03D 15/00', 'D04H 1/4382', 'D06M 11/00'],
    locarno: ['05-05', '02-02'],
  },
  {
    code: 'C15',
    classes: ['C1530'],
    weight: 5,
    words: ['茶业', '生物', '食品'],
    subjects: ['青砖茶', '茶多酚提取物', '速溶茶粉', '桂花茶饮料'],
    devices: ['茶叶揉捻机', '杀青机', '茶叶烘干装置', '砖茶压制机'],
    designs: ['茶叶包装盒（青砖茶）', '茶砖', '饮料瓶'],
    ipc: ['A23F 3/06', 'A23F 3/16', 'A23L 2/38'],
    locarno: ['09-03', '01-01'],
  },
  {
    code: 'C36',
    classes: ['C3670'],
    weight: 5,
    words: ['汽车零部件', '汽车', '机电'],
    subjects: ['汽车制动盘', '新能源汽车电控单元', '车用线束', '转向节'],
    devices: ['汽车制动盘', '电控单元外壳', '车用线束', '转向节'],
    designs: ['制动盘', '汽车轮毂', '车灯'],
    ipc: ['F16D 65/12', 'B60L 15/20', 'H01B 7/00', 'B62D 7/18'],
    locarno: ['12-16'],
  },
  {
    code: 'C29',
    classes: ['C2922', 'C2919'],
    weight: 4,
    words: ['塑业', '高分子', '橡塑'],
    subjects: ['PE燃气管材', '橡胶密封件', '生物降解膜'],
    devices: ['管材挤出机', '注塑模具', '橡胶密封圈'],
    designs: ['管件', '密封圈', '包装膜'],
    ipc: ['F16L 9/12', 'F16J 15/10', 'C08L 67/02'],
    locarno: ['23-01', '09-07'],
  },
  {
    code: 'C33',
    classes: ['C3311', 'C3360'],
    weight: 4,
    words: ['金属', '精密制造', '钢构'],
    subjects: ['钢结构连接件', '铝合金型材', '金属表面处理剂'],
    devices: ['型材挤压模具', '焊接夹具', '钢结构连接件'],
    designs: ['铝型材', '连接件'],
    ipc: ['E04B 1/58', 'B21C 23/00', 'C23C 22/00'],
    locarno: ['08-08', '25-01'],
  },
  {
    code: 'I65',
    classes: ['I6513', 'I6510', 'I6520', 'I6550'],
    weight: 9,
    words: ['信息技术', '软件', '数据', '网络', '数字'],
    subjects: [
      '政务数据共享平台',
      '工业互联网平台',
      '智慧农业系统',
      '供应链管理系统',
      '视频结构化分析系统',
      '电力巡检系统',
    ],
    devices: ['数据采集终端', '边缘计算网关', '智能巡检机器人', 'RFID读写器'],
    software: true,
    designs: ['带图形用户界面的显示屏幕面板', '带图形用户界面的手机', '智能终端'],
    ipc: ['G06F 16/27', 'G06Q 10/08', 'G06Q 50/02', 'G06V 20/52', 'H04L 67/12', 'G06N 3/08'],
    locarno: ['14-04', '14-02'],
  },
  {
    code: 'M73',
    classes: ['M7320', 'M7330'],
    weight: 4,
    words: ['技术研究', '检测技术', '农业'],
    subjects: ['土壤重金属钝化剂', '耐候材料', '水稻种子包衣剂', '楠竹组培苗'],
    devices: ['材料老化试验箱', '土壤采样器', '种子处理装置'],
    designs: ['检测仪', '采样器'],
    ipc: ['G01N 33/00', 'B09C 1/10', 'A01H 1/02', 'A01H 4/00'],
    locarno: ['10-05'],
  },
  {
    code: 'M75',
    classes: ['M7514', 'M7515', 'M7517'],
    weight: 4,
    words: ['节能', '环保', '技术服务', '技术转移'],
    subjects: ['余热回收装置', '污水处理系统', '光伏运维平台', '垃圾分选设备'],
    devices: ['余热回收装置', '污水处理设备', '光伏清洗机器人', '垃圾分选机'],
    designs: ['净水设备', '分类垃圾箱'],
    ipc: ['F28D 21/00', 'C02F 9/00', 'H02S 50/00', 'B07B 9/00'],
    locarno: ['23-04', '23-01'],
  },
  {
    code: 'M74',
    classes: ['M7482', 'M7441'],
    weight: 3,
    words: ['工程技术', '测绘', '勘察设计'],
    subjects: ['无人机测绘系统', '建筑信息模型', '地质勘探装置'],
    devices: ['无人机航测吊舱', '地质勘探钻具', '建筑变形监测装置'],
    designs: ['测绘无人机', '全站仪'],
    ipc: ['G01C 11/02', 'G06F 30/13', 'E21B 49/00'],
    locarno: ['12-07', '10-04'],
  },
  {
    code: 'D44',
    classes: ['D4416', 'D4415'],
    weight: 3,
    words: ['新能源', '能源', '电力工程'],
    subjects: ['光伏支架', '风电叶片监测装置', '配电自动化终端'],
    devices: ['光伏支架', '风电叶片监测装置', '配电自动化终端'],
    designs: ['光伏支架', '配电终端'],
    ipc: ['H02S 20/30', 'F03D 17/00', 'H02J 13/00'],
    locarno: ['13-99', '25-02'],
  },
];

/** Characters for brand names (字号); pairs are drawn without repetition. */
export const BRAND_CHARS =
  '华鑫瑞泰恒正康源达博创新宏盛润嘉鼎天星宇航禾金凯锐晟迈睿普卓芯联信通汇安邦亿德永光明智合云峰瀚驰易立捷腾旭昊辰楚鄂荆桂泉山湖隽陆众启乾坤万兴昌和丰伟嘉弘远';

export const NAME_SUFFIXES: Weighted<string> = [
  ['科技有限公司', 60],
  ['有限公司', 22],
  ['股份有限公司', 12],
  ['科技股份有限公司', 6],
];

export const SURNAMES: Weighted<string> = [
  ['王', 8],
  ['李', 8],
  ['张', 7],
  ['刘', 6],
  ['陈', 6],
  ['杨', 4],
  ['黄', 4],
  ['赵', 3],
  ['吴', 3],
  ['周', 3],
  ['徐', 3],
  ['孙', 2],
  ['胡', 3],
  ['朱', 2],
  ['高', 2],
  ['林', 2],
  ['何', 2],
  ['郭', 2],
  ['马', 2],
  ['罗', 2],
  ['梁', 1],
  ['宋', 1],
  ['郑', 1],
  ['谢', 1],
  ['韩', 1],
  ['唐', 1],
  ['冯', 1],
  ['程', 2],
  ['曹', 1],
  ['彭', 2],
  ['曾', 1],
  ['肖', 1],
  ['田', 1],
  ['董', 1],
  ['袁', 1],
  ['潘', 1],
  ['余', 2],
  ['邓', 1],
  ['熊', 2],
  ['汪', 1],
  ['舒', 1],
  ['饶', 1],
  ['甘', 1],
  ['廖', 1],
  ['夏', 1],
  ['方', 1],
  ['孟', 1],
  ['阮', 1],
];

export const GIVEN_CHARS =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂华建国文辉鹏飞玲斌波宇浩凯健俊帆旭宁龙林欣婷雪琳晨阳志海峰红英春梅兵亮新晓云鑫丹倩蕾慧';

export const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '155',
  '157',
  '158',
  '159',
  '166',
  '173',
  '177',
  '180',
  '181',
  '182',
  '186',
  '187',
  '188',
  '189',
  '191',
  '199',
];

export const NEED_PURPOSES = [
  '补充流动资金',
  '研发投入及新产品试制',
  '购置生产设备',
  '新建厂房及配套设施',
  '原材料采购',
  '技术改造升级',
  '扩大产能，完成新增订单',
  '偿还到期贷款，续贷周转',
  '专利成果转化及产业化',
  '数字化车间建设',
];

export const CONSENT_PURPOSES = [
  '融资需求评估',
  '授信审批',
  '贷后管理',
  '知识产权质押评估',
  '一企一策融资方案制定',
  '续贷审查',
];

export const TECH_WORDS = [
  '物联网',
  '机器视觉',
  '深度学习',
  '多传感器融合',
  '边缘计算',
  '数字孪生',
];
